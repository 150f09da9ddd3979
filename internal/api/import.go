package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/exchange"
	"github.com/truce-monitoring/truce/internal/httpx"
)

// MaxImportBytes is the largest file POST /api/v1/import/{kind} takes.
const MaxImportBytes = 2 << 30

// ImportAnswer is what an import did, or would do in a dry run, and the
// records it refused (a partial import answers 200 with them; one that is
// all or nothing answers problem+json with them instead).
type ImportAnswer struct {
	exchange.ImportResult
	File   string               `json:"file"`
	SHA256 string               `json:"sha256"`
	Errors []httpx.FieldProblem `json:"errors,omitempty"`
}

// importRoutes serve bulk imports. The body is the file, kept in a
// temporary file while its SHA-256 is computed (every change records it),
// then read through the exchange service with the caller's principal.
func (s *Server) importRoutes() {
	svc := s.Exchange
	if svc == nil {
		return
	}
	s.add(Route{Method: "POST", Path: "/api/v1/import/{kind}", Summary: "Import a file of allegations, observations, layers or places (the body; format from ?format= or the Content-Type); all or nothing unless partial=true; known external ids change nothing", Tag: "exchange",
		Response: ImportAnswer{},
		Accepts:  importTypes,
		Query: []Param{
			{Name: "format", Description: "csv, geojson, acled, stream, kml or gpkg (default: from the Content-Type)"},
			{Name: "dry_run", Type: "boolean", Description: "true: check and count, write nothing"},
			{Name: "partial", Type: "boolean", Description: "true: import the good records when some are refused"},
			{Name: "name", Description: "the file's name, recorded with every change (default: import)"},
		},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			p := httpx.PrincipalFrom(r.Context())
			if !p.Authenticated() {
				s.fail(w, r, errs.Unauthenticated("sign in or send a bearer token"))
				return
			}
			kind := r.PathValue("kind")
			q := r.URL.Query()
			format := q.Get("format")
			if format == "" {
				format = formatOfType(r.Header.Get("Content-Type"))
			}
			var opt exchange.ImportOptions
			var err error
			for name, dst := range map[string]*bool{"dry_run": &opt.DryRun, "partial": &opt.Partial} {
				if v := q.Get(name); v != "" {
					if *dst, err = strconv.ParseBool(v); err != nil {
						s.fail(w, r, errs.Invalid(name, "must be true or false"))
						return
					}
				}
			}
			opt.File = q.Get("name")
			if opt.File == "" {
				opt.File = "import"
			}
			tmp, err := os.CreateTemp("", "truce-api-import-*")
			if err != nil {
				s.fail(w, r, err)
				return
			}
			defer os.Remove(tmp.Name())
			defer tmp.Close()
			h := sha256.New()
			if _, err := io.Copy(io.MultiWriter(tmp, h), http.MaxBytesReader(w, r.Body, MaxImportBytes)); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					err = errs.TooLarge("body", "the file is over %d bytes", int64(MaxImportBytes))
				} else {
					err = errs.Invalid("body", "could not be read to its end")
				}
				s.fail(w, r, err)
				return
			}
			opt.SHA256 = hex.EncodeToString(h.Sum(nil))
			if _, err := tmp.Seek(0, io.SeekStart); err != nil {
				s.fail(w, r, err)
				return
			}
			fr, err := exchange.ImportReader(format, kind, tmp)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if c, ok := fr.(io.Closer); ok {
				defer c.Close()
			}
			res, err := svc.Import(r.Context(), p, kind, fr, opt)
			answer := ImportAnswer{ImportResult: res, File: opt.File, SHA256: opt.SHA256}
			if err != nil && (!opt.Partial || len(errs.All(err)) == 0) {
				s.fail(w, r, err)
				return
			}
			answer.Errors = httpx.FieldProblems(err)
			httpx.WriteJSON(w, http.StatusOK, answer)
		}})
}

// formatOfType is the import format a Content-Type names, "" when none.
// importTypes are the media types an import's body may be sent as: each
// format's own, JSON (ACLED's export), and a plain byte stream when
// ?format= says what it is.
var importTypes = []string{"text/csv", "application/json", "application/geo+json", "application/jsonl", "application/x-ndjson",
	"application/vnd.google-earth.kml+xml", "application/vnd.google-earth.kmz", "application/geopackage+sqlite3", "application/octet-stream"}

func formatOfType(ct string) string {
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "text/csv":
		return exchange.FormatCSV
	case "application/geo+json":
		return exchange.FormatGeoJSON
	case "application/jsonl", "application/x-ndjson":
		return exchange.FormatStream
	case "application/vnd.google-earth.kml+xml", "application/vnd.google-earth.kmz":
		return exchange.FormatKML
	case "application/geopackage+sqlite3":
		return exchange.FormatGeoPackage
	}
	return ""
}
