package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
)

// writeNoteAs writes a note that is public or not.
func writeNoteAs(t testing.TB, db *DB, id string, n note, public bool) Recorded {
	t.Helper()
	recs, err := db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Record(Change{Entity: "note", ID: id, Actor: Actor{User: "usr_secret", Org: "org_side_a", Via: "session:ses_1"}, Body: n, Public: public})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs[0]
}

// A change to a record that is not public is a committed leaf in the log:
// the entry bundles name no record, author or organisation; its opening,
// read from the store, hashes to the commitment and names them; its proof
// verifies against the signed checkpoint. A public record's leaf is the v1
// leaf, as before.
func TestCommittedLeaves(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	ctx := context.Background()
	var recs []Recorded
	for i := range 300 {
		recs = append(recs, writeNoteAs(t, db, fmt.Sprintf("n%d", i%7), note{Title: "minefield", Count: i}, i%3 == 0))
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	cp, err := db.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	size, root, err := ledger.OpenCheckpoint(cp.Note, db.Keys().Origin, db.Keys().Verifier)
	if err != nil || size != 300 {
		t.Fatalf("checkpoint: %v size %d", err, size)
	}
	et, _ := ledger.ParseTilePath("tile/entries/000")
	bundle, err := db.Tile(ctx, et)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ledger.SplitEntries(bundle)
	if err != nil || len(entries) != 256 {
		t.Fatalf("entries: %v %d", err, len(entries))
	}
	salts := map[[ledger.SaltSize]byte]bool{}
	for seq, data := range entries {
		if tlog.RecordHash(data) != recs[seq].LeafHash {
			t.Fatalf("entry %d does not hash to the leaf recorded", seq)
		}
		e, err := db.Entry(ctx, int64(seq))
		if err != nil || !bytes.Equal(e.Leaf, data) || e.Entity != "note" || e.ID != recs[seq].ID {
			t.Fatalf("Entry(%d) = %+v, %v", seq, e, err)
		}
		if seq%3 == 0 {
			l, err := ledger.ParseLeaf(data)
			if err != nil || l.Entity != "note" || e.Opening != nil {
				t.Fatalf("public entry %d: %q, %v, opening %q", seq, data, err, e.Opening)
			}
			continue
		}
		for _, secret := range []string{"note", "n1", "usr_secret", "org_side_a", "session", fmt.Sprintf("%x", recs[seq].BodySHA256)} {
			if bytes.Contains(data, []byte(secret)) {
				t.Fatalf("committed entry %d shows %q:\n%s", seq, secret, data)
			}
		}
		c, err := ledger.ParseCommittedLeaf(data)
		if err != nil || c.Seq != int64(seq) || !c.At.Equal(recs[seq].At) {
			t.Fatalf("committed entry %d: %+v, %v", seq, c, err)
		}
		l, err := ledger.CheckOpening(data, e.Opening)
		if err != nil || l.Entity != "note" || l.ID != recs[seq].ID || l.Actor != "usr_secret" || l.Org != "org_side_a" || l.Via != "session:ses_1" || l.BodySHA256 != recs[seq].BodySHA256 || l.Version != recs[seq].Version {
			t.Fatalf("opening %d: %+v, %v", seq, l, err)
		}
		o, _ := ledger.ParseOpening(e.Opening)
		if salts[o.Salt] {
			t.Fatalf("entry %d repeats a salt", seq)
		}
		salts[o.Salt] = true
		p, leaf, err := db.InclusionProof(ctx, int64(seq), size)
		if err != nil || leaf != tlog.RecordHash(data) {
			t.Fatalf("proof %d: %v", seq, err)
		}
		if err := tlog.CheckRecord(p, size, root, int64(seq), leaf); err != nil {
			t.Fatalf("inclusion %d: %v", seq, err)
		}
	}
	// The history carries each version's leaf and, for a committed one, the
	// opening: the caller has decided the reader may read the record.
	hist, err := db.History(ctx, "note", "n1", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range hist {
		if tlog.RecordHash([]byte(v.Leaf)) != v.LeafHash || v.LeafHash != recs[v.Seq].LeafHash {
			t.Fatalf("history version %d: leaf does not hash to its leaf hash", v.Seq)
		}
		if (v.Opening == "") != (v.Seq%3 == 0) {
			t.Fatalf("history version %d: opening %q", v.Seq, v.Opening)
		}
		if v.Opening != "" {
			if _, err := ledger.CheckOpening([]byte(v.Leaf), []byte(v.Opening)); err != nil {
				t.Fatalf("history version %d: %v", v.Seq, err)
			}
		}
	}
	if _, err := db.Entry(ctx, 300); errs.CodeOf(err) != errs.CodeNotFound {
		t.Fatalf("Entry beyond the log: %v", err)
	}
	if rep := auditReport(t, db.dir); !rep.OK() {
		t.Fatalf("verify: %v", rep.Problems)
	}
}

// verify recomputes every committed leaf from its change and salt: an
// edited salt (an opening that no longer hashes to the commitment), an
// edited field, a swapped commitment, a salt removed to pass the change
// for a public one or added to a public one are each reported, naming the
// record.
func TestVerifyCommittedLeaves(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, dir string, db *DB)
		want   string
	}{
		{"salt edited", sqlTamper(`UPDATE changes SET salt = randomblob(32) WHERE seq = 2`), "note n2 seq 2: leaf hash was edited"},
		{"salt's last bit flipped", sqlTamper(`UPDATE changes SET salt = unhex(substr(hex(salt), 1, 62) || CASE substr(hex(salt), 63) WHEN '00' THEN '01' ELSE '00' END) WHERE seq = 4`), "note n0 seq 4: leaf hash was edited"},
		{"salt removed", sqlTamper(`UPDATE changes SET salt = NULL WHERE seq = 2`), "note n2 seq 2: leaf hash was edited"},
		{"salt cut short", sqlTamper(`UPDATE changes SET salt = substr(salt, 1, 31) WHERE seq = 2`), "note n2 seq 2: salt has 31 bytes, not 32"},
		{"salt added to a public change", sqlTamper(`UPDATE changes SET salt = randomblob(32) WHERE seq = 3`), "note n3 seq 3: leaf hash was edited"},
		{"org edited", sqlTamper(`UPDATE changes SET org = 'org_side_b' WHERE seq = 5`), "note n1 seq 5: leaf hash was edited"},
		{"entity and id edited", sqlTamper(`UPDATE changes SET id = 'n9' WHERE seq = 6`), "seq 6: leaf hash was edited"},
		{"commitment swapped", func(t *testing.T, dir string, db *DB) {
			// A well-formed committed leaf for the same seq and time,
			// committing to another opening, in place of the leaf's hash.
			e, err := db.Entry(context.Background(), 2)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := ledger.ParseCommittedLeaf(e.Leaf)
			c.Commitment[0] ^= 0xff
			h := c.Hash()
			idx := tlog.StoredHashIndex(0, 2)
			db.Close()
			tamper(t, dir, fmt.Sprintf(`UPDATE ledger_hash_blocks SET hashes = unhex(substr(hex(hashes), 1, %d) || '%X' || substr(hex(hashes), %d)) WHERE n = %d`,
				idx%hashBlock*64, h[:], idx%hashBlock*64+65, idx/hashBlock))
		}, "note n2 seq 2: leaf hash was edited: it does not match the change (a committed leaf"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := mustOpen(t, dir)
			for i := range 8 {
				writeNoteAs(t, db, fmt.Sprintf("n%d", i%4), note{Title: fmt.Sprintf("t%d", i), Count: i}, i == 3)
			}
			if rep := auditReport(t, dir); !rep.OK() {
				t.Fatalf("intact log: %v", rep.Problems)
			}
			tc.tamper(t, dir, db)
			db.Close()
			rep := auditReport(t, dir)
			var all []string
			for _, p := range rep.Problems {
				all = append(all, p.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), tc.want) {
				t.Fatalf("problems:\n%s\nwant one containing %q", strings.Join(all, "\n"), tc.want)
			}
		})
	}
}

func sqlTamper(stmts ...string) func(t *testing.T, dir string, db *DB) {
	return func(t *testing.T, dir string, db *DB) {
		db.Close()
		tamper(t, dir, stmts...)
	}
}
