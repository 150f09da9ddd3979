package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
)

var writer = Actor{User: "u1", Org: "o1", Via: "token"}

// holdWriter makes the next write wait, holding the writer, until the
// returned release is called; it returns once that write is running.
func holdWriter(t *testing.T, db *DB) (release func(), done <-chan error) {
	t.Helper()
	running, free, end := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		_, err := db.Write(context.Background(), func(tx *Tx) error {
			close(running)
			<-free
			_, err := tx.Record(Change{Entity: "note", ID: "holder", Actor: writer, Body: note{Title: "holder"}})
			return err
		})
		end <- err
	}()
	<-running
	return func() { close(free) }, end
}

// waitQueued waits until n callers wait for the next batch.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		db.queue.mu.Lock()
		k := len(db.queue.waiting)
		db.queue.mu.Unlock()
		if k >= n {
			return
		}
	}
	t.Fatalf("fewer than %d callers queued", n)
}

// Callers that queue while a transaction runs share the next one: each fn
// in a savepoint, a failing fn alone rolled back with its own error, the
// others committed and each told only its own changes.
func TestGroupCommitBatchKeepsEachFnApart(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	writeNote(t, db, "existing", note{Title: "before"})
	ctx := context.Background()
	release, held := holdWriter(t, db)

	errBoom := errors.New("boom")
	type outcome struct {
		recs []Recorded
		err  error
		pan  any
	}
	fns := []struct {
		name string
		fn   func(tx *Tx) error
		ok   bool
		want string // the error's text, when not ok
	}{
		{"creates two", func(tx *Tx) error {
			for _, id := range []string{"a1", "a2"} {
				if _, err := tx.Record(Change{Entity: "note", ID: id, Actor: writer, Body: note{Title: id}}); err != nil {
					return err
				}
			}
			return nil
		}, true, ""},
		{"records, then fails", func(tx *Tx) error {
			for _, id := range []string{"f1", "f2", "f3"} {
				if _, err := tx.Record(Change{Entity: "note", ID: id, Actor: writer, Body: note{Title: id}}); err != nil {
					return err
				}
			}
			return errBoom
		}, false, "boom"},
		{"reads the batch's earlier write and updates it", func(tx *Tx) error {
			v, err := tx.CurrentVersion("note", "a1")
			if err != nil {
				return err
			}
			if v != 1 {
				return fmt.Errorf("a1 at version %d, want 1", v)
			}
			_, err = tx.Record(Change{Entity: "note", ID: "a1", Version: 2, Actor: writer, Body: note{Title: "a1 again"}})
			return err
		}, true, ""},
		{"stale version", func(tx *Tx) error {
			_, err := tx.Record(Change{Entity: "note", ID: "existing", Version: 5, Actor: writer, Body: note{}})
			return err
		}, false, "existing is at version 1"},
		{"creates what exists (unique violation)", func(tx *Tx) error {
			if _, err := tx.Record(Change{Entity: "note", ID: "u1", Actor: writer, Body: note{Title: "kept? no"}}); err != nil {
				return err
			}
			_, err := tx.Record(Change{Entity: "note", ID: "existing", Version: 1, Actor: writer, Body: note{}})
			return err
		}, false, "already exists"},
		{"panics after a write", func(tx *Tx) error {
			if _, err := tx.Record(Change{Entity: "note", ID: "p1", Actor: writer, Body: note{}}); err != nil {
				return err
			}
			panic("fn panicked")
		}, false, ""},
		{"reads its own write", func(tx *Tx) error {
			if _, err := tx.Record(Change{Entity: "note", ID: "r1", Actor: writer, Body: note{Title: "mine", Count: 3}}); err != nil {
				return err
			}
			var c int
			if err := tx.QueryRow(`SELECT count FROM test_notes WHERE id = ?`, "r1").Scan(&c); err != nil {
				return err
			}
			if c != 3 {
				return fmt.Errorf("read %d", c)
			}
			return nil
		}, true, ""},
		{"writes nothing", func(tx *Tx) error { return nil }, true, ""},
	}
	out := make([]outcome, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { out[i].pan = recover() }()
			out[i].recs, out[i].err = db.Write(ctx, f.fn)
		}()
		waitQueued(t, db, i+1) // in this order
	}
	commits0, _ := db.WriteStats()
	release()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	commits1, _ := db.WriteStats()
	if commits1-commits0 != 2 {
		t.Errorf("%d commits for the held write and %d queued callers, want 2", commits1-commits0, len(fns))
	}

	var seqs []int64
	for i, f := range fns {
		o := out[i]
		switch {
		case f.name == "panics after a write":
			if o.pan != "fn panicked" {
				t.Errorf("%s: caller got panic %v, want the fn's", f.name, o.pan)
			}
		case f.ok:
			if o.err != nil || o.pan != nil {
				t.Errorf("%s: %v %v", f.name, o.err, o.pan)
			}
		default:
			if o.err == nil || o.recs != nil || !contains(o.err.Error(), f.want) {
				t.Errorf("%s: err %v, recorded %v; want an error with %q and nothing recorded", f.name, o.err, o.recs, f.want)
			}
		}
		for _, r := range o.recs {
			seqs = append(seqs, r.Seq)
		}
	}
	if errs.CodeOf(out[3].err) != errs.CodeConflict || errs.CodeOf(out[4].err) != errs.CodeConflict {
		t.Errorf("stale version and existing id: codes %q %q, want conflict", errs.CodeOf(out[3].err), errs.CodeOf(out[4].err))
	}
	if len(out[0].recs) != 2 || len(out[2].recs) != 1 || out[2].recs[0].Version != 2 || len(out[6].recs) != 1 || len(out[7].recs) != 0 {
		t.Errorf("recorded: %v / %v / %v / %v", out[0].recs, out[2].recs, out[6].recs, out[7].recs)
	}
	// existing (seq 0), holder (1), then the batch's four changes in order.
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	if fmt.Sprint(seqs) != "[2 3 4 5]" || db.Size() != 6 {
		t.Errorf("seqs %v, size %d; want [2 3 4 5], 6", seqs, db.Size())
	}
	for _, id := range []string{"f1", "f2", "f3", "u1", "p1"} {
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM changes WHERE id = ?`, id).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d changes (%v), want none: its fn failed", id, n, err)
		}
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM test_notes WHERE id = ?`, id).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d projection rows (%v), want none", id, n, err)
		}
	}
	checkLog(t, db, 6)
}

// checkLog signs a checkpoint and verifies the whole log.
func checkLog(t *testing.T, db *DB, size int64) {
	t.Helper()
	ctx := context.Background()
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := db.Verify(ctx, nil)
	if err != nil || !rep.OK() || rep.Changes != size {
		t.Fatalf("verify: %v, %d changes (want %d), problems %v", err, rep.Changes, size, rep.Problems)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// A caller whose context ends while it waits leaves the queue: its fn
// never runs, and the others are not disturbed.
func TestGroupCommitCancelledWhileQueued(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	release, held := holdWriter(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{}, 1)
	res := make(chan error, 1)
	go func() {
		_, err := db.Write(ctx, func(tx *Tx) error { ran <- struct{}{}; return nil })
		res <- err
	}()
	waitQueued(t, db, 1)
	other := make(chan error, 1)
	go func() {
		_, err := db.Write(context.Background(), func(tx *Tx) error {
			_, err := tx.Record(Change{Entity: "note", ID: "other", Actor: writer, Body: note{}})
			return err
		})
		other <- err
	}()
	waitQueued(t, db, 2)
	cancel()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	release()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	select {
	case <-ran:
		t.Fatal("the cancelled caller's fn ran")
	default:
	}
	checkLog(t, db, 2)
}

// Many writers at once, on one handle and on two handles on the same
// database (two servers): every acknowledged change is there exactly once
// at its seq, none of the failed ones, and the log verifies.
func TestGroupCommitConcurrentWriters(t *testing.T) {
	for _, handles := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d handles", handles), func(t *testing.T) {
			dir := t.TempDir()
			dbs := []*DB{mustOpen(t, dir)}
			if handles == 2 {
				dbs = append(dbs, mustOpen(t, dir))
			}
			const writers, each = 8, 40
			type ack struct {
				id  string
				seq int64
			}
			var mu sync.Mutex
			var acks []ack
			var failed []string
			var wg sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db := dbs[w%len(dbs)]
					for i := range each {
						id := fmt.Sprintf("w%d-%d", w, i)
						fail := i%7 == 3
						recs, err := db.Write(context.Background(), func(tx *Tx) error {
							if _, err := tx.Record(Change{Entity: "note", ID: id, Actor: writer, Body: note{Title: id, Count: i}}); err != nil {
								return err
							}
							if fail {
								return errors.New("refused")
							}
							return nil
						})
						mu.Lock()
						if fail {
							if err == nil {
								t.Errorf("%s: failing fn committed", id)
							}
							failed = append(failed, id)
						} else if err != nil || len(recs) != 1 || recs[0].ID != id {
							t.Errorf("%s: %v %v", id, recs, err)
						} else {
							acks = append(acks, ack{id, recs[0].Seq})
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			db := dbs[0]
			ctx := context.Background()
			seen := map[int64]bool{}
			for _, a := range acks {
				if seen[a.seq] {
					t.Fatalf("seq %d acknowledged twice", a.seq)
				}
				seen[a.seq] = true
				var id string
				if err := db.QueryRow(ctx, `SELECT id FROM changes WHERE seq = ?`, a.seq).Scan(&id); err != nil || id != a.id {
					t.Errorf("seq %d holds %q (%v), acknowledged as %s", a.seq, id, err, a.id)
				}
			}
			for _, id := range failed {
				var n int
				db.QueryRow(ctx, `SELECT COUNT(*) FROM changes WHERE id = ?`, id).Scan(&n)
				if n != 0 {
					t.Errorf("%s: failed, yet in the log", id)
				}
			}
			var size int64
			db.QueryRow(ctx, `SELECT COUNT(*) FROM changes`).Scan(&size)
			if size != int64(len(acks)) {
				t.Errorf("%d changes in the log, %d acknowledged", size, len(acks))
			}
			if last := dbs[len(dbs)-1]; handles == 2 {
				// The other handle's writer catches up on its next write.
				writeNote(t, last, "last", note{})
				size++
			}
			checkLog(t, dbs[len(dbs)-1], size)
			commits, writes := int64(0), int64(0)
			for _, d := range dbs {
				c, w := d.WriteStats()
				commits, writes = commits+c, writes+w
			}
			t.Logf("%d handles: %d writes in %d commits", handles, writes, commits)
		})
	}
}
