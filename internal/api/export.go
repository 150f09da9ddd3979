package api

import (
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/exchange"
	"github.com/truce-monitoring/truce/internal/httpx"
)

// exportRoutes: every kind of record as a file, filtered as its list.
func (s *Server) exportRoutes() {
	if s.Exchange == nil {
		return
	}
	s.add(Route{Method: "GET", Path: "/api/v1/export/{kind}", Tag: "exchange",
		Summary: "Export the records of a kind you may read, filtered as its list, as a file (attachment): kind is one of " +
			strings.Join(exchange.Kinds(), ", ") + "; the format comes from ?format= or the Accept header (GeoJSON by default)",
		Query: exportParams(), Content: exchange.GeoJSONContentType, Handler: s.export})
}

// exportParams documents format and the union of the kinds' list filters.
func exportParams() []Param {
	params := []Param{{Name: "format", Description: strings.Join(exchange.ExportFormats, ", ") + "; overrides Accept"}}
	seen := map[string]bool{}
	for _, k := range exchange.Kinds() {
		for _, f := range exchange.FilterParams(k) {
			if !seen[f] {
				seen[f] = true
				params = append(params, Param{Name: f, Description: "a filter of the kind's list (see its list endpoint)"})
			}
		}
	}
	return params
}

// exportFormat is the format ?format= names, or else the first in Accept
// that an export has, or else GeoJSON.
func exportFormat(r *http.Request) string {
	if f := r.URL.Query().Get("format"); f != "" {
		return f
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case exchange.GeoJSONContentType, "application/json", "*/*":
			return exchange.FormatGeoJSON
		case "text/csv":
			return exchange.FormatCSV
		}
		for _, name := range exchange.ExportFormats {
			if ct, _, _ := mime.ParseMediaType(exchange.Formats[name].ContentType); ct == mt && mt != "text/csv" {
				return name
			}
		}
	}
	return exchange.FormatGeoJSON
}

func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	p := httpx.PrincipalFrom(r.Context())
	filter := r.URL.Query()
	filter.Del("format")
	req := exchange.ExportRequest{Kind: r.PathValue("kind"), Format: exportFormat(r), Filter: filter}
	if !slices.Contains(exchange.ExportFormats, req.Format) {
		s.fail(w, r, errs.Invalid("format", "must be one of %s", strings.Join(exchange.ExportFormats, ", ")))
		return
	}
	// Refuse a bad request with a problem before the file starts.
	if _, err := s.Exchange.Plan(p, req); err != nil {
		s.fail(w, r, err)
		return
	}
	out := &startOnWrite{w: w, rc: http.NewResponseController(w), start: func(h http.Header) {
		h.Set("Content-Type", exchange.Formats[req.Format].ContentType)
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, exchange.FileName(req.Kind, req.Format)))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
	}}
	if _, err := s.Exchange.Export(r.Context(), p, req, out); err != nil {
		if !out.started {
			s.fail(w, r, err)
			return
		}
		// The file has started: cut the connection, so that the client
		// sees a failed download rather than a file that looks whole.
		s.Log.Error("export failed after the response started", "kind", req.Kind, "format", req.Format, "err", err)
		panic(http.ErrAbortHandler)
	}
	if !out.started {
		out.Write(nil)
	}
}

// exportStall is how long one write of an export may wait for the client:
// the server's write timeout bounds a whole response, too short for a big
// file, so an export moves its deadline on as long as the client reads.
const exportStall = 2 * time.Minute

// startOnWrite sets the response's headers on the first write, so that an
// error before any byte of the file is a problem response instead, and
// keeps the write deadline exportStall ahead while the file flows.
type startOnWrite struct {
	w        http.ResponseWriter
	rc       *http.ResponseController
	start    func(http.Header)
	started  bool
	deadline time.Time
}

func (o *startOnWrite) Write(b []byte) (int, error) {
	if !o.started {
		o.started = true
		o.start(o.w.Header())
		o.w.WriteHeader(http.StatusOK)
	}
	if now := time.Now(); o.deadline.Sub(now) < exportStall/2 {
		o.deadline = now.Add(exportStall)
		_ = o.rc.SetWriteDeadline(o.deadline) // not every ResponseWriter can; the server's timeout then holds
	}
	return o.w.Write(b)
}
