package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/truce-monitoring/truce/internal/api"
)

// cmdOpenAPI prints the API's OpenAPI document, as GET /api/v1/openapi.json
// serves it, without a data directory or a server: for linters and code
// generators.
func cmdOpenAPI(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "openapi", "openapi [--out FILE]   (prints the OpenAPI 3.1 document of the API)")
	out := fs.String("out", "", "write the document to FILE instead of standard output")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	doc, err := json.MarshalIndent(api.Document(version), "", "  ")
	if err != nil {
		return err
	}
	doc = append(doc, '\n')
	if *out != "" {
		return os.WriteFile(*out, doc, 0o644)
	}
	_, err = e.stdout.Write(doc)
	return err
}
