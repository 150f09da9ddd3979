package demo_test

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/store"
)

// demoBodies loads the whole demo and returns every stored body by entity,
// with the app (closed by the test's cleanup).
func demoBodies(tb testing.TB) (*app.App, map[string][][]byte) {
	tb.Helper()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{Dir: tb.TempDir(), Database: pgtest.Database(tb, ""), Synchronous: "normal"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	if _, err := demo.Load(ctx, a.Services.Demo()); err != nil {
		tb.Fatal(err)
	}
	rows, err := a.DB.Query(ctx, `SELECT entity, body FROM changes WHERE body IS NOT NULL ORDER BY seq`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	bodies := map[string][][]byte{}
	for rows.Next() {
		var entity string
		var body []byte
		if err := rows.Scan(&entity, &body); err != nil {
			tb.Fatal(err)
		}
		bodies[entity] = append(bodies[entity], body)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return a, bodies
}

// decodeBoth decodes body into the projection's body type with
// encoding/json and with store.DecodeBody, and fails the test where they
// disagree: verify rebuilds the tables through DecodeBody, and the write
// path's values are what encoding/json gives.
func decodeBoth(t *testing.T, p store.Projection, body []byte) (any, bool) {
	t.Helper()
	std, fast := p.NewBody(), p.NewBody()
	stdErr, fastErr := json.Unmarshal(body, std), store.DecodeBody(body, fast)
	switch {
	case stdErr == nil && fastErr != nil:
		t.Fatalf("%s: store.DecodeBody refuses what encoding/json decodes: %v\n%q", p.Entity, fastErr, body)
	case stdErr != nil && fastErr == nil:
		t.Fatalf("%s: store.DecodeBody decodes what encoding/json refuses (%v)\n%q", p.Entity, stdErr, body)
	case stdErr == nil && !reflect.DeepEqual(std, fast):
		t.Fatalf("%s: store.DecodeBody and encoding/json disagree on\n%q\n%#v\n%#v", p.Entity, body, std, fast)
	}
	return std, stdErr == nil
}

// TestDemoBodiesDecodeAlike checks every body of the demo, of every kind:
// store.DecodeBody reads it as encoding/json does, and verify's rows
// (Rows, from the stored JSON) are the rows the write path stored (RowsOf,
// from the value).
func TestDemoBodiesDecodeAlike(t *testing.T) {
	a, bodies := demoBodies(t)
	checked := 0
	for _, entity := range a.DB.Projections() {
		p, _ := a.DB.Projection(entity)
		if p.NewBody == nil || p.RowsOf == nil {
			t.Errorf("%s: projection is not store.Typed, so its decoding is not checked here", entity)
			continue
		}
		if len(bodies[entity]) == 0 {
			t.Logf("%s: no body in the demo", entity)
		}
		for _, body := range bodies[entity] {
			v, ok := decodeBoth(t, p, body)
			if !ok {
				t.Fatalf("%s: a stored body does not decode: %q", entity, body)
			}
			rebuilt, err := p.Rows("x_0", body)
			if err != nil {
				t.Fatalf("%s: %v", entity, err)
			}
			written, ok, err := p.RowsOf("x_0", v)
			if !ok || err != nil {
				t.Fatalf("%s: RowsOf: ok %v, %v", entity, ok, err)
			}
			if w, r := p.CanonicalRows(written), p.CanonicalRows(rebuilt); !slices.Equal(w, r) {
				t.Fatalf("%s: written %q, rebuilt %q", entity, w, r)
			}
			checked++
		}
	}
	if checked < 300 || len(bodies) < 15 {
		t.Fatalf("checked %d bodies of %d kinds; the demo writes more", checked, len(bodies))
	}
	t.Logf("%d bodies of %d kinds", checked, len(bodies))
}

// FuzzDecodeBody mutates the demo's bodies of every kind and checks that
// store.DecodeBody accepts exactly what encoding/json accepts, to the same
// value.
func FuzzDecodeBody(f *testing.F) {
	a, bodies := demoBodies(f)
	entities := a.DB.Projections()
	for i, entity := range entities {
		for j, body := range bodies[entity] {
			if j < 3 {
				f.Add(uint8(i), body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		p, _ := a.DB.Projection(entities[int(kind)%len(entities)])
		if p.NewBody != nil {
			decodeBoth(t, p, body)
		}
	})
}
