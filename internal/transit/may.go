package transit

import "github.com/truce-monitoring/truce/internal/access"

// What a reader may be offered, asked before a form is shown: nil or the
// error the write itself would return.

// MayRecordCrossing answers whether p may record crossings.
func (s *Service) MayRecordCrossing(p access.Principal) error {
	return access.Decide(p, access.Create, kindCrossing.New())
}

// MayRecordRestriction answers whether p may record restrictions.
func (s *Service) MayRecordRestriction(p access.Principal) error {
	return access.Decide(p, access.Create, kindRestriction.New())
}

// Directions are the directions a crossing may take.
func Directions() []string { return append([]string(nil), directions...) }

// RestrictionKinds are the kinds of restriction.
func RestrictionKinds() []string { return append([]string(nil), restrictionKinds...) }

// Limits of a crossing's figures and of the texts, in characters.
const (
	MaxPeople   = 1_000_000
	MaxVehicles = 100_000
	MaxTonnes   = 1_000_000
	MaxName     = 200  // a cargo type
	MaxNote     = 2000 // notes, reasons, who imposed a restriction
)
