package store

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestNULPath(t *testing.T) {
	cases := []struct {
		name, doc, want string
		found           bool
	}{
		{"none", `{"a":"b"}`, "", false},
		{"escaped backslash, not a NUL", `{"a":"\\u0000"}`, "", false},
		{"top-level member", `{"a":"x","summary":"x\u0000y"}`, "summary", true},
		{"nested", `{"a":{"b":[1,"ok",{"c":"\u0000"}]}}`, "a.b[2].c", true},
		{"array of strings", `{"tags":["a","b","c\u0000"]}`, "tags[2]", true},
		{"a member's name", `{"ok":1,"bad\u0000":2}`, "bad\x00", true},
		{"the document itself", `"\u0000"`, "body", true},
		{"after a nested object", `{"a":{"b":1},"c":"\u0000"}`, "c", true},
		{"after a nested array", `{"a":[[1],[2]],"c":["x","\u0000"]}`, "c[1]", true},
		{"malformed", `{"a":"\u0000`, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := nulPath([]byte(tc.doc))
			if ok != tc.found || got != tc.want {
				t.Fatalf("nulPath(%s) = %q, %v; want %q, %v", tc.doc, got, ok, tc.want, tc.found)
			}
		})
	}
}

// A body with a NUL anywhere is refused, naming the field, and nothing is
// written, on SQLite and PostgreSQL alike.
func TestRecordRefusesNUL(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	before := db.Size()
	_, err := db.Write(t.Context(), func(tx *Tx) error {
		_, err := tx.Record(Change{Entity: "note", ID: "n1", Actor: System, Body: note{Title: "a\x00b"}})
		return err
	})
	if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != "title" {
		t.Fatalf("got %v (code %s, field %q); want invalid title", err, errs.CodeOf(err), errs.FieldOf(err))
	}
	if db.Size() != before {
		t.Fatal("the log grew")
	}
	writeNote(t, db, "n1", note{Title: `a\u0000b is text, not a NUL`})
}

func FuzzNULPath(f *testing.F) {
	for _, s := range []string{`{"a":"\u0000"}`, `{"a":[{"b":"\u0000"}]}`, `[1,"\u0000"]`, `{"a\u0000":1}`, `"x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		path, ok := nulPath([]byte(doc))
		if !json.Valid([]byte(doc)) {
			return
		}
		var v any
		json.Unmarshal([]byte(doc), &v)
		has := holdsNUL(v)
		// (A NUL found may be in a duplicate member that Unmarshal drops.)
		if !ok && has {
			t.Fatalf("nulPath(%q) found no NUL, but the document holds one", doc)
		}
		if ok && !strings.Contains(doc, `\u0000`) {
			t.Fatalf("nulPath(%q) = %q, but the document has no \\u0000", doc, path)
		}
		if ok && path == "" {
			t.Fatal("empty path")
		}
	})
}

// holdsNUL reports whether a decoded JSON value has a NUL character in
// any string or member name. (Looking for the text \u0000 in its
// re-encoding would also find an escaped backslash followed by "u0000".)
func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		for _, e := range v {
			if holdsNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.ContainsRune(k, 0) || holdsNUL(e) {
				return true
			}
		}
	}
	return false
}

// A read whose argument holds a NUL is refused as invalid on both
// databases (PostgreSQL refuses the parameter itself).
func TestQueryRefusesNUL(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	_, err := db.Query(t.Context(), `SELECT id FROM changes WHERE id = ?`, "a\x00b")
	if errs.CodeOf(err) != errs.CodeInvalid {
		t.Fatalf("got %v, want invalid", err)
	}
}
