package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
)

// TestVersionedHandlersAreMarkedIfMatch reads the route files: a Route
// whose handler reads the client's version (version(r), or the changes
// helper that does) must be marked IfMatch, so that the rules ask for
// If-Match (428) and compare it (412) before the handler runs; and one
// marked IfMatch must read the version.
func TestVersionedHandlersAreMarkedIfMatch(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "Route" {
				return true
			}
			ifMatch, reads := false, false
			var handler ast.Node
			for _, el := range lit.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				switch kv.Key.(*ast.Ident).Name {
				case "IfMatch":
					ifMatch = isTrue(kv.Value)
				case "Handler":
					handler = kv.Value
				}
			}
			if handler == nil {
				return true
			}
			ast.Inspect(handler, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				fn := call.Fun
				if ix, ok := fn.(*ast.IndexListExpr); ok {
					fn = ix.X
				}
				if ix, ok := fn.(*ast.IndexExpr); ok {
					fn = ix.X
				}
				if id, ok := fn.(*ast.Ident); ok && (id.Name == "version" || id.Name == "changes") {
					reads = true
				}
				return true
			})
			checked++
			pos := fset.Position(lit.Pos())
			if reads && !ifMatch {
				t.Errorf("%s: the route's handler reads the client's version but the route is not IfMatch: true", pos)
			}
			if ifMatch && !reads {
				t.Errorf("%s: the route is IfMatch but its handler never reads the version", pos)
			}
			return true
		})
	}
	if checked < 100 {
		t.Fatalf("only %d route literals found: has the route table moved?", checked)
	}
}

func isTrue(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "true"
}

func TestMediaType(t *testing.T) {
	geo := []string{"application/geo+json", "text/csv"}
	wild := []string{"application/*+json"}
	for _, c := range []struct {
		ct      string
		accepts []string
		ok      bool
	}{
		{"application/json", jsonOnly, true},
		{"application/json; charset=utf-8", jsonOnly, true},
		{"application/json; charset=UTF-8", jsonOnly, true},
		{"APPLICATION/JSON", jsonOnly, true},
		{"application/json; charset=utf-16", jsonOnly, false},
		{"application/json; charset=iso-8859-1", jsonOnly, false},
		{"text/plain", jsonOnly, false},
		{"", jsonOnly, false},
		{"application/vnd.x+json", jsonOnly, false}, // only where declared
		{"application/vnd.x+json", wild, true},
		{"application/+json", wild, false},
		{"application/geo+json; charset=utf-16", geo, false},
		{"text/csv; charset=windows-1251", geo, true}, // not JSON: the importer reads what it is told
		{"application/json;", jsonOnly, true},         // an empty parameter list, as mime reads it
		{"application/json; charset", jsonOnly, false},
	} {
		err := mediaType(c.ct, c.accepts)
		if (err == nil) != c.ok {
			t.Errorf("mediaType(%q, %v) = %v, want ok=%v", c.ct, c.accepts, err, c.ok)
		}
		if err != nil && (errs.CodeOf(err) != httpx.CodeUnsupportedMediaType || errs.FieldOf(err) != "Content-Type") {
			t.Errorf("mediaType(%q): %v, want unsupported_media_type on Content-Type", c.ct, err)
		}
	}
}

func FuzzMediaType(f *testing.F) {
	for _, s := range []string{"application/json", "application/json; charset=utf-16", "text/plain", "application/x+json;charset=\"utf-8\"", ";;", "a/b; c=\"\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		err := mediaType(ct, jsonOnly)
		if err == nil && !strings.Contains(strings.ToLower(ct), "application/json") {
			t.Fatalf("%q taken as JSON", ct)
		}
		if err != nil && errs.CodeOf(err) != httpx.CodeUnsupportedMediaType {
			t.Fatalf("%q: %v", ct, err)
		}
	})
}
