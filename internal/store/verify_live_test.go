package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// Verify may run beside a server that keeps writing — new records, new
// versions, erasures, checkpoints: what was written after it began is left
// to the next run, and must not read as broken.
func TestVerifyWhileWriting(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	for i := range 300 {
		writeNote(t, db, fmt.Sprintf("n%03d", i), note{Title: "first", Count: i})
	}
	defer func(old int64) { verifyChunk = old }(verifyChunk)
	verifyChunk = 37
	writer := mustOpen(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var done atomic.Int64 // the writer's rounds so far
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			done.Add(1)
			// New records, and new versions of old ones.
			writeNote(t, writer, fmt.Sprintf("m%05d", i), note{Title: "new", Count: i})
			rec := fmt.Sprintf("n%03d", i%300)
			_, err := writer.Write(context.Background(), func(tx *Tx) error {
				var cur note
				v, err := tx.Current("note", rec, &cur)
				if err != nil {
					return err
				}
				cur.Count++
				_, err = tx.Record(Change{Entity: "note", ID: rec, Version: v + 1, Actor: System, Body: cur})
				return err
			})
			if err != nil {
				t.Error(err)
				return
			}
			if i%7 == 3 {
				_, err = writer.Write(context.Background(), func(tx *Tx) error {
					_, err := tx.Erase("note", fmt.Sprintf("m%05d", i-1), System, note{Title: "erased"})
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
			if i%50 == 0 {
				if err := writer.Checkpoint(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})
	grew := 0
	// Five rounds at least, and until the writer has erased something
	// (its explicit checkpoints wait for the signer on PostgreSQL, which
	// may be another handle).
	for round := 0; round < 5 || done.Load() < 8; round++ {
		if round == 1000 {
			t.Fatalf("the writer did %d rounds while verify ran 1000", done.Load())
		}
		before := writer.Size()
		rep, err := db.Verify(context.Background(), nil)
		if err != nil || !rep.OK() {
			cancel()
			wg.Wait()
			t.Fatalf("round %d, verify beside a writer: %v\n%v", round, err, rep.Problems)
		}
		if writer.Size() > before {
			grew++
		}
		t.Logf("round %d: %d changes read, %d records changed meanwhile, %d checkpoints signed meanwhile", round, rep.Changes, rep.Changed, rep.Later)
	}
	cancel()
	wg.Wait()
	if grew == 0 {
		t.Fatal("the log never grew while verify ran: the test tested nothing")
	}
	// Once the writer stops, everything is checked and intact.
	rep, err := db.Verify(context.Background(), nil)
	if err != nil || !rep.OK() || rep.Changed != 0 || rep.Later != 0 || len(rep.Erased) == 0 {
		t.Fatalf("after the writer stopped: %v %+v", err, rep)
	}
}
