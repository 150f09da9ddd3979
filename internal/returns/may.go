package returns

import "github.com/truce-monitoring/truce/internal/access"

// What a reader may be offered, asked before a form is shown: nil or the
// error the write itself would return.

// MayRecordMovement answers whether p may record return movements.
func (s *Service) MayRecordMovement(p access.Principal) error {
	return access.Decide(p, access.Create, kindMovement.New())
}

// MayRecordVisit answers whether p may record monitoring visits.
func (s *Service) MayRecordVisit(p access.Principal) error {
	return access.Decide(p, access.Create, kindVisit.New())
}

// MovementKinds are the kinds of return movement.
func MovementKinds() []string { return append([]string(nil), movementKinds...) }

// Limits on the records' texts, in characters (the forms' maxlength).
const (
	MaxName         = 200  // an origin as described, a team
	MaxMovementNote = 2000 // a movement's source and note
	MaxVisitNote    = 4000 // a visit's notes
)
