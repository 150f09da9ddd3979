package incident

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// MaxBatch is how many allegations LodgeAllegations takes at once.
const MaxBatch = 1000

// LodgeAllegations lodges several allegations in one transaction, all or
// none, with the rules of LodgeAllegation for each: a bulk import (and the
// load benchmark's way to build a large database). An error names the
// failing input's index in its field.
func (s *Service) LodgeAllegations(ctx context.Context, p access.Principal, ins []AllegationInput) ([]Allegation, error) {
	if len(ins) > MaxBatch {
		return nil, errs.Invalid("allegations", "at most %d at once", MaxBatch)
	}
	bodies := make([]AllegationBody, len(ins))
	for i, in := range ins {
		b, err := s.prepareAllegation(ctx, p, in, p.Org)
		if err == nil {
			err = access.Decide(p, access.Create, b.Resource())
		}
		if err != nil {
			return nil, wrap("lodge allegations", errs.Prefix(fmt.Sprintf("allegations[%d]", i), err))
		}
		bodies[i] = b
	}
	out := make([]Allegation, len(ins))
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		changes := make([]store.Change, len(bodies))
		for i := range bodies {
			b := &bodies[i]
			if err := b.checkRefs(tx); err != nil {
				return errs.Prefix(fmt.Sprintf("allegations[%d]", i), err)
			}
			b.LodgedAt = tx.Now()
			id := s.db.NewID(allegationPrefix)
			changes[i] = store.Change{Entity: EntityAllegation, ID: id, Version: 1, Actor: p.Actor(), Body: *b, Public: b.Resource().Classification == access.Public}
			out[i] = Allegation{ID: id, Version: 1, AllegationBody: *b}
		}
		// One batch: bodies, hashes and rows are prepared on every core
		// and the rows go in multi-row INSERTs (store.Tx.RecordAll).
		_, err := tx.RecordAll(changes)
		return err
	})
	if err != nil {
		return nil, wrap("lodge allegations", err)
	}
	return out, nil
}
