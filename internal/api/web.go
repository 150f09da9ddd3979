package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// ReadHistory is GET /api/v1/history/{entity}/{id} for the web pages:
// every change of a record p may read, with bodies. A record p may not
// read answers like one that does not exist.
func (s *Server) ReadHistory(ctx context.Context, p access.Principal, entity, id string) ([]store.Version, error) {
	if strings.ContainsAny(entity+id, "\x00/") {
		return nil, errs.Invalid("id", "is not a record id")
	}
	r, err := http.NewRequestWithContext(WithPrincipal(ctx, p), http.MethodGet, "/", nil)
	if err != nil {
		return nil, err
	}
	res, ok := s.resourceFor(r, entity, id)
	if !ok {
		return nil, notFound(entity, id, errs.NotFound(""))
	}
	if err := access.Decide(p, access.Read, res); err != nil {
		return nil, notFound(entity, id, err)
	}
	vs, err := s.DB.History(ctx, entity, id, true)
	if err != nil {
		return nil, notFound(entity, id, err)
	}
	return vs, nil
}
