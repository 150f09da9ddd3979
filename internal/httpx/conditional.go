package httpx

import (
	"context"
	"net/http"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
)

// The codes of the HTTP layer's own refusals: they are about the request's
// form (its method, media type or preconditions), never about a record, so
// no domain package returns them.
const (
	CodeMethodNotAllowed      errs.Code = "method_not_allowed"
	CodeUnsupportedMediaType  errs.Code = "unsupported_media_type"
	CodePreconditionFailed    errs.Code = "precondition_failed"
	CodePreconditionRequired  errs.Code = "precondition_required"
	preconditionHeader                  = "If-Match"
	preconditionStaleField              = "version"
	preconditionStaleExplains           = "the record has changed since you read it: read it again (its ETag) and send that version"
)

// MethodNotAllowed reports a method the path does not define.
func MethodNotAllowed(method string, allow []string) error {
	return &errs.Error{Code: CodeMethodNotAllowed, Message: method + " is not defined here; allowed: " + strings.Join(allow, ", ")}
}

// UnsupportedMediaType reports a request body of a media type the route
// does not accept.
func UnsupportedMediaType(got string, accepts []string) error {
	if got == "" {
		got = "none"
	}
	return &errs.Error{Code: CodeUnsupportedMediaType, Field: "Content-Type",
		Message: "must be " + strings.Join(accepts, " or ") + ", not " + got}
}

// PreconditionRequired reports an update that does not say which version
// of the record it changes.
func PreconditionRequired() error {
	return &errs.Error{Code: CodePreconditionRequired, Field: preconditionHeader,
		Message: `an update must say which version it changes: send If-Match: "N" (the ETag you read) or ?version=N`}
}

// PreconditionFailed reports an update made against a version that is no
// longer the record's.
func PreconditionFailed(detail string) error {
	if detail == "" {
		detail = preconditionStaleExplains
	}
	return &errs.Error{Code: CodePreconditionFailed, Field: preconditionHeader, Message: detail}
}

type preconditionKey struct{}

// WithPrecondition marks the request as carrying the version the client
// read (If-Match or ?version=): a conflict about that version is then the
// client's precondition failing (412), not any other conflict (409).
func WithPrecondition(ctx context.Context) context.Context {
	return context.WithValue(ctx, preconditionKey{}, true)
}

func hasPrecondition(ctx context.Context) bool {
	v, _ := ctx.Value(preconditionKey{}).(bool)
	return v
}

// preconditionOf turns a domain's version conflict into a failed
// precondition when the request carried one.
func preconditionOf(r *http.Request, err error) error {
	if errs.CodeOf(err) == errs.CodeConflict && errs.FieldOf(err) == preconditionStaleField && hasPrecondition(r.Context()) {
		return PreconditionFailed(errs.MessageOf(err))
	}
	return err
}

// ETagMatch reports whether the entity tag etag (e.g. `"3"`) is in the
// list of an If-Match or If-None-Match header; "*" matches any. Weak
// comparison ignores a W/ prefix on either side (RFC 9110 §8.8.3.2), as
// If-None-Match asks; strong comparison (If-Match) refuses weak tags.
func ETagMatch(header, etag string, weak bool) bool {
	if etag == "" {
		return false
	}
	etag, etagWeak := cutWeak(etag)
	if etagWeak && !weak {
		return false
	}
	for _, t := range splitETags(header) {
		if t == "*" {
			return true
		}
		t, tWeak := cutWeak(t)
		if tWeak && !weak {
			continue
		}
		if t == etag {
			return true
		}
	}
	return false
}

func cutWeak(t string) (string, bool) {
	if s, ok := strings.CutPrefix(t, "W/"); ok {
		return s, true
	}
	return t, false
}

// splitETags splits a list of entity tags, whose opaque parts may hold
// commas between their quotes.
func splitETags(h string) []string {
	var out []string
	for {
		h = strings.TrimLeft(h, " \t,")
		if h == "" {
			return out
		}
		if h[0] == '*' {
			out = append(out, "*")
			h = h[1:]
			continue
		}
		start := 0
		if strings.HasPrefix(h, "W/") {
			start = 2
		}
		if len(h) <= start || h[start] != '"' {
			// Not an entity tag: take it up to the next comma, so that it
			// matches nothing but does not hide the ones after it.
			tok, rest, _ := strings.Cut(h, ",")
			if tok = strings.TrimSpace(tok); tok != "" {
				out = append(out, tok)
			}
			h = rest
			continue
		}
		end := strings.IndexByte(h[start+1:], '"')
		if end < 0 {
			return append(out, h)
		}
		out = append(out, h[:start+1+end+1])
		h = h[start+1+end+1:]
	}
}

// NotModified wraps w for a GET or HEAD carrying If-None-Match: when the
// handler answers 200 with an ETag that the header matches, the client's
// copy is current and the answer becomes 304 without a body (RFC 9110
// §13.1.2). Any other answer passes through unchanged.
func NotModified(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	inm := r.Header.Get("If-None-Match")
	if inm == "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return w
	}
	return &notModifiedWriter{ResponseWriter: w, inm: strings.Join(r.Header.Values("If-None-Match"), ",")}
}

type notModifiedWriter struct {
	http.ResponseWriter
	inm     string
	decided bool
	drop    bool
}

func (w *notModifiedWriter) WriteHeader(code int) {
	if w.decided {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.decided = true
	h := w.Header()
	if code == http.StatusOK && ETagMatch(w.inm, h.Get("ETag"), true) {
		w.drop = true
		for _, k := range []string{"Content-Type", "Content-Length", "Content-Disposition", "Content-Encoding"} {
			h.Del(k)
		}
		w.ResponseWriter.WriteHeader(http.StatusNotModified)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *notModifiedWriter) Write(b []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.drop {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *notModifiedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
