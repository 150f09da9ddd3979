// Package record is the one way to read any kind of record by entity and
// id — a record's history, the policy's view of it — for routes that serve
// every kind (history pages and API, log openings). Each domain package
// declares its kinds (Kind) beside its types; the application registers
// them all in one Registry, which the API and the pages share. A kind that
// is not registered is not served: the registry fails closed.
package record

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Kind is one kind of record as its domain package declares it.
type Kind struct {
	// Kind is the kind's name in the change log, e.g. "allegation", and the
	// roles that write it.
	access.Kind
	// Resource returns the policy's view of the record with id as p may
	// see it, or an error with code not_found when there is no such record
	// or p may not read it. It reads through the domain's own filtered
	// read, so the answer never depends on a second copy of the rule.
	Resource func(ctx context.Context, p access.Principal, id string) (access.Resource, error)
	// Redact, when set, returns a change body of the record as p may read
	// it: fields p may not read removed, or nil when p may read nothing of
	// it. Without Redact, a reader of the record reads every body whole —
	// so a kind with personal or separately classified parts must set it.
	Redact func(ctx context.Context, p access.Principal, id string, body json.RawMessage) (json.RawMessage, error)
	// Evidence, when set, lets a record of the kind be linked to a
	// provision as evidence of its implementation: it gives the policy's
	// view of the record and a one-line description, whoever asks (the
	// evidence service decides who may see the link).
	Evidence func(ctx context.Context, id string) (access.Resource, string, error)
	// Search, when set, makes records of the kind findable by words (see
	// SearchOf): from a record's current body it gives the texts to find
	// it by and who may find it by them; ok false indexes nothing.
	Search func(body any) (doc SearchDoc, ok bool)
}

// SearchDoc is what the search index holds of one record.
type SearchDoc struct {
	// Label says who may find the record by Texts: the record's own
	// label, or a stricter one when the texts are a part fewer may read
	// (a person's identity). It must never be wider than the record's.
	Label access.Label
	// Title is the line a result shows, readable by whoever Label admits.
	Title string
	// Texts are every text to find the record by, in any language and
	// script; they are folded and cut into words by the index.
	Texts []string
}

// SearchOf turns a function of a kind's body type into a Kind's Search:
// the index hands it the body as the projection has it, a T or a *T. A
// body of another type is a kind declared against the wrong type: a
// programming error, which panics (the index tries every kind at start).
func SearchOf[T any](f func(b *T) (SearchDoc, bool)) func(any) (SearchDoc, bool) {
	return func(body any) (SearchDoc, bool) {
		switch v := body.(type) {
		case *T:
			return f(v)
		case T:
			return f(&v)
		}
		panic(fmt.Sprintf("record: search declared for %T given a %T", new(T), body))
	}
}

// Kinds returns every registered kind, sorted by entity.
func (r *Registry) Kinds() []Kind {
	out := make([]Kind, 0, len(r.kinds))
	for _, e := range r.Entities() {
		out = append(out, r.kinds[e])
	}
	return out
}

// Registry holds every kind of record.
type Registry struct {
	db    *store.DB
	kinds map[string]Kind
}

// NewRegistry returns a registry of kinds over db. A kind declared twice,
// or without Resource, is a programming error and panics at start-up.
func NewRegistry(db *store.DB, lists ...[]Kind) *Registry {
	r := &Registry{db: db, kinds: map[string]Kind{}}
	for _, list := range lists {
		for _, k := range list {
			if k.Entity == "" || k.Resource == nil {
				panic("record: kind " + k.Entity + " declared without an entity or a Resource")
			}
			if _, dup := r.kinds[k.Entity]; dup {
				panic("record: kind " + k.Entity + " declared twice")
			}
			r.kinds[k.Entity] = k
		}
	}
	return r
}

// Entities lists the registered kinds, sorted.
func (r *Registry) Entities() []string {
	out := make([]string, 0, len(r.kinds))
	for e := range r.kinds {
		out = append(out, e)
	}
	slices.Sort(out)
	return out
}

// Resource returns the policy's view of a record of any kind for p: not
// found when the kind is unknown, the record missing or p may not read it.
func (r *Registry) Resource(ctx context.Context, p access.Principal, entity, id string) (access.Resource, error) {
	k, ok := r.kinds[entity]
	if !ok || strings.ContainsAny(entity+id, "\x00/") || id == "" {
		return access.Resource{}, notFound(entity, id)
	}
	res, err := k.Resource(ctx, p, id)
	if err != nil {
		if errs.CodeOf(err) == errs.CodeNotFound || errs.CodeOf(err) == errs.CodeForbidden {
			return access.Resource{}, notFound(entity, id)
		}
		return access.Resource{}, err
	}
	res.Kind = entity
	if err := access.Decide(p, access.Read, res); err != nil {
		if errs.CodeOf(err) == errs.CodeUnauthenticated {
			return access.Resource{}, err
		}
		return access.Resource{}, notFound(entity, id)
	}
	return res, nil
}

// History returns every change of a record p may read, oldest first, with
// each body as p may read it. A record p may not read answers exactly as
// one that does not exist.
func (r *Registry) History(ctx context.Context, p access.Principal, entity, id string) ([]store.Version, error) {
	if _, err := r.Resource(ctx, p, entity, id); err != nil {
		return nil, err
	}
	vs, err := r.db.History(ctx, entity, id, true)
	if err != nil {
		return nil, notFound(entity, id)
	}
	k := r.kinds[entity]
	if k.Redact == nil {
		return vs, nil
	}
	for i := range vs {
		if vs[i].Body == nil {
			continue
		}
		b, err := k.Redact(ctx, p, id, vs[i].Body)
		if err != nil {
			return nil, err
		}
		vs[i].Body = b
	}
	return vs, nil
}

func notFound(entity, id string) error {
	return errs.NotFound("%s %s not found", entity, id)
}

// Labelled is a record that gives the policy's view of itself.
type Labelled interface{ Resource() access.Resource }

// ResourceOf turns a domain's filtered get into a Kind's Resource: what
// the get refuses (not found, or not p's to read) the registry answers as
// not found.
func ResourceOf[T Labelled](get func(ctx context.Context, p access.Principal, id string) (T, error)) func(context.Context, access.Principal, string) (access.Resource, error) {
	return func(ctx context.Context, p access.Principal, id string) (access.Resource, error) {
		v, err := get(ctx, p, id)
		if err != nil {
			return access.Resource{}, err
		}
		return v.Resource(), nil
	}
}

// Opening returns change seq of the log with its opening — which record it
// is, and the salt and fields its committed leaf hides — when p may read
// that record, and otherwise the same not found as for a seq beyond the
// log: the log does not say which record a committed leaf is.
func (r *Registry) Opening(ctx context.Context, p access.Principal, seq int64) (store.LogEntry, error) {
	missing := errs.NotFound("no change %d in the log", seq)
	e, err := r.db.Entry(ctx, seq)
	if err != nil {
		if errs.CodeOf(err) == errs.CodeNotFound {
			return store.LogEntry{}, missing
		}
		return store.LogEntry{}, err
	}
	if _, err := r.Resource(ctx, p, e.Entity, e.ID); err != nil {
		if errs.CodeOf(err) == errs.CodeUnauthenticated {
			return store.LogEntry{}, err
		}
		return store.LogEntry{}, missing
	}
	return e, nil
}
