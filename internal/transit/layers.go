package transit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// locator is the principal a checkpoint's corridor is found for: every
// account may read what it finds (public and mission layers), so a body
// never names a restricted corridor.
var locator = access.Principal{UserID: "system", Username: "system", Via: "system"}

// place is a checkpoint or corridor layer as a record refers to it.
type place struct {
	Name       string
	CorridorID string // the corridor a checkpoint lies in at the time; the corridor itself
}

// layer reads a layer p may see and in force at at, of the kind wanted;
// anything else is invalid input at field.
func (s *Service) layer(ctx context.Context, p access.Principal, field, id string, at time.Time, kind, subkind string) (geo.Layer, error) {
	what := strings.ReplaceAll(kind, "_", " ")
	if subkind != "" {
		what = subkind
	}
	l, err := s.geo.GetLayer(ctx, p, id)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return l, errs.Invalid(field, "no %s %s", what, id)
	}
	if err != nil {
		return l, err
	}
	if l.Kind != kind || (subkind != "" && l.Subkind != subkind) {
		return l, errs.Invalid(field, "layer %s is a %s %s, not a %s", id, l.Kind, l.Subkind, what)
	}
	if !l.ValidAt(at) {
		return l, errs.Invalid(field, "%s %s is not in force at %s", what, id, at.Format(time.RFC3339))
	}
	return l, nil
}

// checkpoint resolves a checkpoint and the corridor it lies in at at ("" when
// it lies in none).
func (s *Service) checkpoint(ctx context.Context, p access.Principal, field, id string, at time.Time) (place, error) {
	l, err := s.layer(ctx, p, field, id, at, geo.KindSite, "checkpoint")
	if err != nil {
		return place{}, err
	}
	if l.Geometry.Point == nil {
		return place{}, fmt.Errorf("checkpoint %s has no point", id)
	}
	loc, err := s.geo.LocateFor(ctx, locator, *l.Geometry.Point, at)
	if err != nil {
		return place{}, err
	}
	pl := place{Name: l.Name}
	if len(loc.Corridors) > 0 {
		pl.CorridorID = loc.Corridors[0].ID
	}
	return pl, nil
}

// corridor resolves a corridor.
func (s *Service) corridor(ctx context.Context, p access.Principal, field, id string, at time.Time) (place, error) {
	l, err := s.layer(ctx, p, field, id, at, geo.KindCorridor, "")
	if err != nil {
		return place{}, err
	}
	return place{Name: l.Name, CorridorID: id}, nil
}
