// Package httpx holds what Truce's two HTTP faces — the JSON API and the
// pages — share: the principal in the request's context, authentication
// of a request (bearer token or session cookie, with CSRF and origin
// checks), and errors as RFC 9457 problems with one status mapping. It
// holds no rule about records: those are the domain services'.
package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Problem is an RFC 9457 problem details object, with Truce's stable code
// and the failing field as extension members.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	// Errors are every failing field at once, the first being Field's;
	// absent when the error names no field.
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one failing field of a problem: its JSON path, the
// error's code, the English detail, and the reason and its parameters a
// client can translate (see errs.Reason*).
type FieldProblem struct {
	Field  string         `json:"field,omitempty"`
	Code   string         `json:"code"`
	Detail string         `json:"detail"`
	Reason string         `json:"reason,omitempty"`
	Params map[string]any `json:"params,omitempty"`
}

// FieldProblems lists err's field errors for a problem.
func FieldProblems(err error) []FieldProblem {
	all := errs.All(err)
	if len(all) == 0 || (len(all) == 1 && all[0].Field == "") {
		return nil
	}
	out := make([]FieldProblem, len(all))
	for i, e := range all {
		out[i] = FieldProblem{Field: e.Field, Code: string(e.Code), Detail: e.Message, Reason: e.Reason, Params: e.Params}
	}
	return out
}

// StatusOf maps an error code to its HTTP status. It is the only place
// where that mapping lives.
func StatusOf(code errs.Code) int {
	switch code {
	case errs.CodeInvalid:
		return http.StatusBadRequest
	case errs.CodeNotFound:
		return http.StatusNotFound
	case errs.CodeConflict:
		return http.StatusConflict
	case errs.CodeForbidden:
		return http.StatusForbidden
	case errs.CodeUnauthenticated:
		return http.StatusUnauthorized
	case errs.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case CodeUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case CodePreconditionFailed:
		return http.StatusPreconditionFailed
	case CodePreconditionRequired:
		return http.StatusPreconditionRequired
	default:
		return http.StatusInternalServerError
	}
}

// WriteProblem writes err as application/problem+json. Internal errors are
// logged with their detail and answered with a generic message.
func WriteProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var lim *account.LimitedError
	if errors.As(err, &lim) {
		secs := int(lim.RetryAfter.Seconds() + 0.999)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
		json.NewEncoder(w).Encode(Problem{Type: "https://truce.invalid/problems/too_many_requests", Title: "Too Many Requests",
			Status: http.StatusTooManyRequests, Detail: lim.Error(), Instance: r.URL.Path, Code: "too_many_requests"})
		return
	}
	err = preconditionOf(r, store.Unavailable(err))
	code := errs.CodeOf(err)
	status := StatusOf(code)
	p := Problem{
		Type:     "https://truce.invalid/problems/" + string(code),
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   errs.MessageOf(err),
		Instance: r.URL.Path,
		Code:     string(code),
		Field:    errs.FieldOf(err),
	}
	if code != errs.CodeInternal && code != errs.CodeUnavailable {
		p.Errors = FieldProblems(err)
	}
	if code == errs.CodeUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="truce"`)
	}
	if code == errs.CodeUnavailable {
		w.Header().Set("Retry-After", "5")
		if log != nil {
			log.WarnContext(r.Context(), "unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	}
	if code == errs.CodeInternal && log != nil {
		log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
