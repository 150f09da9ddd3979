// Package archtest checks the shape of the code that the compiler does not:
// the HTTP faces (the API, the pages, what they share and the server's
// wiring) reach records only through the domain services, with the
// principal — never through the store, never with SQL of their own.
package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// httpFaces are the packages that speak HTTP.
var httpFaces = []string{"api", "ui", "httpx", "server"}

// storeHandles are the store's ways to reach rows: a face may name the
// store's value types (a checkpoint, a page of results) but not these.
var storeHandles = map[string]bool{"DB": true, "Tx": true, "Snapshot": true, "Querier": true}

// sqlText finds an SQL statement in a string literal.
var sqlText = regexp.MustCompile(`\bSELECT\b.*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX)\b|\bPRAGMA\s`)

func TestHTTPFacesReachRecordsOnlyThroughServices(t *testing.T) {
	for _, pkg := range httpFaces {
		dir := filepath.Join("..", pkg)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, e := range entries {
			name := e.Name()
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			checked++
			path := filepath.Join(dir, name)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			storeName := ""
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				switch {
				case p == "database/sql" || strings.HasPrefix(p, "modernc.org/sqlite"):
					t.Errorf("%s imports %s: a face runs no SQL", path, p)
				case strings.HasSuffix(p, "/internal/store"):
					storeName = "store"
					if imp.Name != nil {
						storeName = imp.Name.Name
					}
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if id, ok := n.X.(*ast.Ident); ok && storeName != "" && id.Name == storeName && storeHandles[n.Sel.Name] {
						t.Errorf("%s names store.%s: a face reaches records through the domain services", path, n.Sel.Name)
					}
				case *ast.BasicLit:
					if n.Kind == token.STRING {
						if s, err := strconv.Unquote(n.Value); err == nil && sqlText.MatchString(s) {
							t.Errorf("%s holds SQL: %.60q", path, s)
						}
					}
				}
				return true
			})
		}
		if checked == 0 {
			t.Errorf("package %s has no source files: the list of faces is out of date", pkg)
		}
	}
}
