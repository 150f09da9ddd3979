package api

import (
	"context"
	"net/http"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
)

// The handler shapes that domain services with their own access checks
// need: each takes the request's principal and hands it to the service.

// creates decodes an In, creates the record and answers 201 with its ETag.
func creates[In, Out any](s *Server, create func(context.Context, access.Principal, In) (Out, error), ver func(Out) int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, err := Decode[In](r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rec, err := create(r.Context(), httpx.PrincipalFrom(r.Context()), in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeRecord(w, http.StatusCreated, ver(rec), rec)
	}
}

// reads answers one record by its id; hidden and missing records answer
// alike.
func reads[Out any](s *Server, kind string, get func(context.Context, access.Principal, string) (Out, error), ver func(Out) int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		rec, err := get(r.Context(), httpx.PrincipalFrom(r.Context()), id)
		if err != nil {
			s.fail(w, r, notFound(kind, id, err))
			return
		}
		writeRecord(w, http.StatusOK, ver(rec), rec)
	}
}

// lists reads a filter and a page from the query and answers one page.
func lists[F, Out any](s *Server, filter func(*http.Request) (F, error), list func(context.Context, access.Principal, F, store.PageRequest) (store.Page[Out], error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := filter(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page, err := pageRequest(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, err := list(r.Context(), httpx.PrincipalFrom(r.Context()), f, page)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, out)
	}
}

// changes applies an In to a record at the version the client read
// (If-Match) and answers the new version.
func changes[In, Out any](s *Server, kind string, change func(context.Context, access.Principal, string, int64, In) (Out, error), ver func(Out) int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		v, err := version(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		in, err := Decode[In](r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rec, err := change(r.Context(), httpx.PrincipalFrom(r.Context()), id, v, in)
		if err != nil {
			s.fail(w, r, notFound(kind, id, err))
			return
		}
		writeRecord(w, http.StatusOK, ver(rec), rec)
	}
}
