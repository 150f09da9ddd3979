package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestCosignaturesAreServedWithTheirCheckpoint(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	signed := make(chan int64, 16)
	db.OnCheckpoint(func(size int64) { signed <- size })

	writeNote(t, db, "n1", note{Title: "one"})
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if got := <-signed; got != 1 {
		t.Fatalf("the hook heard of size %d, want 1", got)
	}
	at := time.Date(2021, 6, 12, 11, 0, 0, 0, time.UTC)
	lineA := "— witness.a AAAAAAAA\n"
	lineB := "— witness.b BBBBBBBB\n"
	for _, c := range []Cosignature{
		{Size: 1, Witness: "witness.b", Line: lineB, SignedAt: at},
		{Size: 1, Witness: "witness.a", Line: lineA, SignedAt: at},
		{Size: 0, Witness: "witness.a", Line: lineA, SignedAt: at.Add(-time.Hour)},
		// A second cosignature of the same size is ignored.
		{Size: 1, Witness: "witness.a", Line: "— witness.a CCCCCCCC\n", SignedAt: at},
	} {
		if err := db.AddCosignature(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := db.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := string(cp.Signed) + lineA + lineB; string(cp.Note) != want {
		t.Fatalf("served note:\n%s\nwant:\n%s", cp.Note, want)
	}
	if len(cp.Cosignatures) != 2 || !cp.Cosignatures[0].SignedAt.Equal(at) {
		t.Fatalf("cosignatures: %+v", cp.Cosignatures)
	}
	at0, err := db.CheckpointAt(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(at0.Note) != string(at0.Signed)+lineA {
		t.Fatalf("note at size 0:\n%s", at0.Note)
	}

	writeNote(t, db, "n2", note{Title: "two"})
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.AddCosignature(ctx, Cosignature{Size: 2, Witness: "witness.a", Line: "— witness.a DDDDDDDD\n", SignedAt: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	latest, err := db.LatestCosignatures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 2 || latest[0].Witness != "witness.a" || latest[0].Size != 2 || latest[1].Size != 1 {
		t.Fatalf("latest per witness: %+v", latest)
	}
	// Change 1 (the second) is first covered by the checkpoint of size 2.
	first, err := db.FirstCosignatures(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 || first[0].Witness != "witness.a" || first[0].Size != 2 {
		t.Fatalf("first cosignatures covering change 1: %+v", first)
	}
	if first, _ = db.FirstCosignatures(ctx, 0); len(first) != 2 || first[0].Size != 1 {
		t.Fatalf("first cosignatures covering change 0: %+v", first)
	}
	sizes, err := db.CosignedSizes(ctx, 10)
	if err != nil || len(sizes) != 3 || sizes[0] != 2 || sizes[2] != 0 {
		t.Fatalf("cosigned sizes %v, %v", sizes, err)
	}
}

func TestBadCosignaturesAreRefused(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	at := time.Date(2021, 6, 12, 11, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		c     Cosignature
		field string
		code  errs.Code
	}{
		{"no witness", Cosignature{Line: "— a x\n", SignedAt: at}, "witness", errs.CodeInvalid},
		{"another witness's line", Cosignature{Witness: "b", Line: "— a x\n", SignedAt: at}, "line", errs.CodeInvalid},
		{"no newline", Cosignature{Witness: "a", Line: "— a x", SignedAt: at}, "line", errs.CodeInvalid},
		{"two lines", Cosignature{Witness: "a", Line: "— a x\n— a y\n", SignedAt: at}, "line", errs.CodeInvalid},
		{"no time", Cosignature{Witness: "a", Line: "— a x\n"}, "signed_at", errs.CodeInvalid},
		{"no such checkpoint", Cosignature{Size: 7, Witness: "a", Line: "— a x\n", SignedAt: at}, "", errs.CodeNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.AddCosignature(ctx, tc.c)
			if errs.CodeOf(err) != tc.code || errs.FieldOf(err) != tc.field {
				t.Fatalf("got %v (code %s, field %q), want code %s field %q", err, errs.CodeOf(err), errs.FieldOf(err), tc.code, tc.field)
			}
		})
	}
	cp, err := db.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cp.Cosignatures) != 0 || strings.Count(string(cp.Note), "\n— ") != 1 {
		t.Fatalf("a refused cosignature was stored: %s", cp.Note)
	}
}
