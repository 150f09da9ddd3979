package api

import (
	"context"
	"net/http"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
)

// resource describes a collection with the usual four operations: create
// (POST), list (GET), read (GET /{id}) and replace through a new version
// (PUT /{id} with If-Match). Every domain collection is one of these, so
// that they all behave the same. The services decide who may do what; the
// handlers only parse and answer.
type resource[In, Out any] struct {
	path    string // e.g. /api/v1/agreements
	tag     string
	noun    string // e.g. "agreement"
	kind    string // the entity, as the policy knows it
	create  func(ctx context.Context, p access.Principal, in In) (Out, error)
	update  func(ctx context.Context, p access.Principal, id string, version int64, in In) (Out, error)
	get     func(ctx context.Context, p access.Principal, id string) (Out, error)
	list    func(r *http.Request, page store.PageRequest) (store.Page[Out], error)
	filters []Param
	version func(Out) int64
}

func addResource[In, Out any](s *Server, rs resource[In, Out]) {
	var in In
	var out Out
	if rs.create != nil {
		s.add(Route{Method: "POST", Path: rs.path, Summary: "Create a " + rs.noun, Tag: rs.tag, Request: in, Response: out, Status: http.StatusCreated,
			Handler: func(w http.ResponseWriter, r *http.Request) {
				in, err := Decode[In](r)
				if err != nil {
					s.fail(w, r, err)
					return
				}
				rec, err := rs.create(r.Context(), httpx.PrincipalFrom(r.Context()), in)
				if err != nil {
					s.fail(w, r, err)
					return
				}
				writeRecord(w, http.StatusCreated, rs.version(rec), rec)
			}})
	}
	s.add(Route{Method: "GET", Path: rs.path, Summary: "List " + rs.noun + " records", Tag: rs.tag, Response: store.Page[Out]{},
		Query: append(append([]Param{}, rs.filters...), pageParams...),
		Handler: func(w http.ResponseWriter, r *http.Request) {
			page, err := pageRequest(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			p, err := rs.list(r, page)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, p)
		}})
	s.add(Route{Method: "GET", Path: rs.path + "/{id}", Summary: "Read a " + rs.noun, Tag: rs.tag, Response: out,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			rec, err := rs.get(r.Context(), httpx.PrincipalFrom(r.Context()), id)
			if err != nil {
				s.fail(w, r, notFound(rs.kind, id, err))
				return
			}
			writeRecord(w, http.StatusOK, rs.version(rec), rec)
		}})
	if rs.update != nil {
		s.add(Route{IfMatch: true, Method: "PUT", Path: rs.path + "/{id}", Summary: "Replace a " + rs.noun + " with a new version (If-Match: the version you read)", Tag: rs.tag, Request: in, Response: out,
			Handler: func(w http.ResponseWriter, r *http.Request) {
				// The service decides: one the principal may not read is not
				// found, whatever its roles.
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
				rec, err := rs.update(r.Context(), httpx.PrincipalFrom(r.Context()), id, v, in)
				if err != nil {
					s.fail(w, r, notFound(rs.kind, id, err))
					return
				}
				writeRecord(w, http.StatusOK, rs.version(rec), rec)
			}})
	}
}

// notFound gives every "not found" about a record the same words, whether
// the record is missing or hidden from the reader, so that the answer
// reveals nothing.
func notFound(kind, id string, err error) error {
	if errs.CodeOf(err) == errs.CodeNotFound {
		return errs.NotFound("%s %s not found", kind, id)
	}
	return err
}
