package transit

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
)

// EvidenceOfCrossing describes a corridor crossing for package agreement's
// evidence links.
func (s *Service) EvidenceOfCrossing(ctx context.Context, id string) (access.Resource, string, error) {
	var b CrossingBody
	if _, err := s.db.Current(ctx, EntityCrossing, id, &b); err != nil {
		return access.Resource{}, "", err
	}
	return b.Resource(), fmt.Sprintf("crossing at %s, %s: %d people, %d vehicles (%s)", b.CheckpointName, b.Direction, b.People, b.Vehicles, b.At.UTC().Format("2006-01-02 15:04")), nil
}

// EvidenceOfRestriction describes a closure, partial restriction or
// reopening of the corridor or a checkpoint.
func (s *Service) EvidenceOfRestriction(ctx context.Context, id string) (access.Resource, string, error) {
	var b RestrictionBody
	if _, err := s.db.Current(ctx, EntityRestriction, id, &b); err != nil {
		return access.Resource{}, "", err
	}
	return b.Resource(), fmt.Sprintf("%s of %s from %s", b.Kind, b.ScopeName, b.Start.UTC().Format("2006-01-02 15:04")), nil
}
