package api

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
)

// The HTTP rules every route keeps, decided from the route table in one
// place rather than by each handler: the query parameters a route
// declares (and no others), the media type of its body, the version an
// update is made against (If-Match), and 304 for a client whose copy is
// current (If-None-Match).

// jsonOnly is what a route with a Request and no Accepts takes.
var jsonOnly = []string{"application/json"}

// rules wraps rt's handler with the rules. routes is the whole table, to
// find the record an If-Match route changes.
func (s *Server) rules(rt Route, routes []Route) http.Handler {
	allowed := map[string]bool{}
	for _, q := range rt.Query {
		allowed[q.Name] = true
	}
	if rt.IfMatch {
		allowed["version"] = true // the documented alternative to If-Match
	}
	names := make([]string, 0, len(allowed))
	for n := range allowed {
		names = append(names, n)
	}
	sort.Strings(names)
	accepts := rt.Accepts
	if len(accepts) == 0 && rt.Request != nil {
		accepts = jsonOnly
	}
	var record http.HandlerFunc
	if rt.IfMatch {
		record = recordReader(rt, routes)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			s.fail(w, r, errs.Invalid("query", "is not a well-formed query string"))
			return
		}
		for _, k := range sortedKeys(q) {
			if !allowed[k] {
				s.fail(w, r, unknownParam(k, names))
				return
			}
		}
		if len(accepts) > 0 && hasBody(r) {
			if err := mediaType(r.Header.Get("Content-Type"), accepts); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if rt.IfMatch {
			var ok bool
			if r, ok = s.precondition(w, r, q, record); !ok {
				return
			}
		}
		if rt.Method == http.MethodGet {
			w = httpx.NotModified(w, r)
		}
		rt.Handler(w, r)
	})
}

func unknownParam(name string, known []string) error {
	if len(known) == 0 {
		return errs.Invalid(name, "is not a parameter of this route, which takes none")
	}
	return errs.Invalid(name, "is not a parameter of this route, which takes %s", strings.Join(known, ", "))
}

// hasBody reports whether the request carries a body (or says it does by
// its Content-Type).
func hasBody(r *http.Request) bool {
	return r.ContentLength != 0 || r.Header.Get("Content-Type") != ""
}

// mediaType checks a body's Content-Type against the types a route
// accepts. JSON must be UTF-8 (RFC 8259 §8.1): a charset parameter other
// than utf-8 is refused, not guessed at. An accepted "application/*+json"
// takes every JSON-based type.
func mediaType(ct string, accepts []string) error {
	if ct == "" {
		return httpx.UnsupportedMediaType("", accepts)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return httpx.UnsupportedMediaType(strconv.Quote(ct), accepts)
	}
	ok := slices.ContainsFunc(accepts, func(a string) bool {
		if pre, suf, wild := strings.Cut(a, "*"); wild {
			return strings.HasPrefix(mt, pre) && strings.HasSuffix(mt, suf) && len(mt) > len(pre)+len(suf)
		}
		return a == mt
	})
	if !ok {
		return httpx.UnsupportedMediaType(mt, accepts)
	}
	if isJSON(mt) {
		if cs, has := params["charset"]; has && !strings.EqualFold(cs, "utf-8") {
			return httpx.UnsupportedMediaType(mt+"; charset="+cs, []string{mt + " in UTF-8"})
		}
	}
	return nil
}

func isJSON(mt string) bool { return mt == "application/json" || strings.HasSuffix(mt, "+json") }

// precondition enforces If-Match on a route that changes a record at the
// version the client read. A request without one (nor ?version=) answers
// 428. One that names a version which is no longer the record's answers
// 412 before its body is looked at: the record is read as the principal
// reads it (its own GET route) and its ETag compared, strongly. "*"
// stands for the record's current version. When the record cannot be read
// (missing, hidden), the handler answers as it does. The request goes on
// marked, so that a version conflict found later while writing (another
// client was faster) is a 412 too.
func (s *Server) precondition(w http.ResponseWriter, r *http.Request, q url.Values, record http.HandlerFunc) (*http.Request, bool) {
	tag := strings.Join(r.Header.Values("If-Match"), ",")
	if strings.TrimSpace(tag) == "" {
		if q.Get("version") == "" {
			s.fail(w, r, httpx.PreconditionRequired())
			return r, false
		}
		tag = strconv.Quote(q.Get("version"))
	}
	r = r.WithContext(httpx.WithPrecondition(r.Context()))
	if record == nil {
		return r, true
	}
	cur := currentETag(r, record)
	if cur == "" {
		return r, true
	}
	if !httpx.ETagMatch(tag, cur, false) {
		s.fail(w, r, httpx.PreconditionFailed("the record is at version "+trimETag(cur)+"; this change was made against "+tag))
		return r, false
	}
	if r.Header.Get("If-Match") != "" && r.Header.Get("If-Match") != cur {
		// "*" or a list: the handler changes the version that matched.
		r.Header = r.Header.Clone()
		r.Header.Set("If-Match", cur)
	}
	return r, true
}

// recordReader returns the GET route's handler of the record that an
// If-Match route changes (/x/{id} for PUT /x/{id} and POST
// /x/{id}/transition), or nil when there is none.
func recordReader(rt Route, routes []Route) http.HandlerFunc {
	i := strings.Index(rt.Path, "}")
	if i < 0 {
		return nil
	}
	path := rt.Path[:i+1]
	for _, o := range routes {
		if o.Method == http.MethodGet && o.Path == path {
			return o.Handler
		}
	}
	return nil
}

// currentETag reads the record through its GET handler as the request's
// principal and returns its ETag, or "" when it is not readable.
func currentETag(r *http.Request, get http.HandlerFunc) string {
	sub := r.Clone(r.Context())
	sub.Method = http.MethodGet
	sub.Body, sub.ContentLength = http.NoBody, 0
	sub.URL = &url.URL{Path: r.URL.Path}
	sub.RequestURI = ""
	for _, h := range []string{"If-Match", "If-None-Match", "Content-Type", "Content-Length"} {
		sub.Header.Del(h)
	}
	var rec headerRecorder
	rec.h = http.Header{}
	get(&rec, sub)
	if rec.status != http.StatusOK {
		return ""
	}
	return rec.h.Get("ETag")
}

// headerRecorder keeps a response's status and headers and drops its body.
type headerRecorder struct {
	h      http.Header
	status int
}

func (w *headerRecorder) Header() http.Header { return w.h }
func (w *headerRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *headerRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}
