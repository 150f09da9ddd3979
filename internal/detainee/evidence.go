package detainee

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
)

// The functions below describe records for package agreement's evidence
// links (agreement.Service.RegisterEvidenceKind) and for other packages
// that link to them: the access view and one line. None names a person.

// EvidenceOfExchange describes an exchange: its day and how many moved.
func (s *Service) EvidenceOfExchange(ctx context.Context, id string) (access.Resource, string, error) {
	var b ExchangeBody
	if _, err := s.db.Current(ctx, EntityExchange, id, &b); err != nil {
		return access.Resource{}, "", err
	}
	kind := "exchange"
	if b.AllForAll {
		kind = `"all for all" exchange`
	}
	return b.Resource(), fmt.Sprintf("%s of %d persons on %s", kind, b.Total, b.At.UTC().Format("2006-01-02")), nil
}

// EvidenceOfRemains describes a remains record: how many, recovered when.
func (s *Service) EvidenceOfRemains(ctx context.Context, id string) (access.Resource, string, error) {
	var b RemainsBody
	if _, err := s.db.Current(ctx, EntityRemains, id, &b); err != nil {
		return access.Resource{}, "", err
	}
	return b.Resource(), fmt.Sprintf("remains of %d recovered on %s", b.Count, b.RecoveredAt.UTC().Format("2006-01-02")), nil
}

// ExchangeExists is nil when the exchange is recorded, for records that
// link to one (minefield-record handovers).
func (s *Service) ExchangeExists(ctx context.Context, id string) error {
	var b ExchangeBody
	_, err := s.db.Current(ctx, EntityExchange, id, &b)
	return err
}
