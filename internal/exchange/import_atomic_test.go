package exchange

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// An import without Partial writes every row or none, also when it fails
// in the writing pass after some chunks went to the database: here the
// import is cancelled once 2,000 of 2,500 rows are in its transaction.
// The log is then unchanged (the fixture verifies it after the test), and
// the same file imports whole afterwards.
func TestImportFailingWhileWritingLeavesNothing(t *testing.T) {
	f := newFixture(t)
	var file bytes.Buffer
	if err := writeAllegationsCSV(&file, 2500, f.sideA, f.sideB); err != nil {
		t.Fatal(err)
	}
	changes := func() int {
		var n int
		if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM changes`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := changes()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen1000 := 0
	opt := ImportOptions{File: "allegations.csv", SHA256: sum(file.String()), Progress: func(n int) {
		// 1,000 is reported once read, then once written.
		if n == 1000 {
			if seen1000++; seen1000 == 2 {
				cancel()
			}
		}
	}}
	res, err := f.s.ImportAllegations(ctx, f.liaisonA, NewCSVReader(bytes.NewReader(file.Bytes()), f.allegationsTable), opt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("import cancelled while writing: %v", err)
	}
	if seen1000 != 2 {
		t.Fatalf("progress reported 1,000 %d times", seen1000)
	}
	if res.Created != 0 {
		t.Errorf("result %+v, want nothing created", res)
	}
	if n := changes(); n != before {
		t.Fatalf("the log has %d changes after the failed import, %d before", n, before)
	}
	opt.Progress = nil
	res, err = f.s.ImportAllegations(context.Background(), f.liaisonA, NewCSVReader(bytes.NewReader(file.Bytes()), f.allegationsTable), opt)
	if err != nil || res.Created != 2500 {
		t.Fatalf("import again: %+v, %v", res, err)
	}
	if n := changes(); n != before+2500 {
		t.Fatalf("the log has %d changes, want %d", n, before+2500)
	}
}
