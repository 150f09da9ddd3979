package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// truce openapi prints the document without a data directory.
func TestOpenAPICommandPrintsTheDocument(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"openapi"}, func(string) string { return "" }, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Paths["/api/v1/allegations/{id}"]["put"] == nil {
		t.Errorf("not the API's document: openapi %q, %d paths", doc.OpenAPI, len(doc.Paths))
	}
	file := filepath.Join(t.TempDir(), "openapi.json")
	if code := run(context.Background(), []string{"openapi", "--out", file}, func(string) string { return "" }, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("--out: exit %d: %s", code, stderr.String())
	}
	if b, err := os.ReadFile(file); err != nil || !bytes.Equal(b, stdout.Bytes()) {
		t.Errorf("--out wrote something else (%v)", err)
	}
}
