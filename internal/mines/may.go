package mines

import "github.com/truce-monitoring/truce/internal/access"

// What a reader may be offered, asked before a form is shown. Each answers
// nil or the error the write itself would return; a liaison's side is
// checked by the write.

// MayRecordMinefield answers whether p may record minefields.
func (s *Service) MayRecordMinefield(p access.Principal) error {
	return access.Decide(p, access.Create, kindMinefield.New())
}

// MayRecordHandover answers whether p may record handovers.
func (s *Service) MayRecordHandover(p access.Principal) error {
	return access.Decide(p, access.Create, kindHandover.New())
}

// MayRecordHazardArea answers whether p may record hazard areas and their
// land-release events.
func (s *Service) MayRecordHazardArea(p access.Principal) error {
	return access.Decide(p, access.Create, kindHazardArea.New())
}

// Limits on the records' texts, in characters (the forms' maxlength).
const (
	MaxName        = 200  // a designation, district, fuse, period
	MaxModel       = 100  // a mine's model
	MaxDescription = 500  // a reference point's description, a handover's place
	MaxNote        = 2000 // notes and descriptions

	MaxMinesPerType = 10_000_000    // mines of one type in a record
	MaxMinesClaimed = 1_000_000_000 // mines a handover claims
)

// Emplacements are the emplacement methods a record may name.
func Emplacements() []string { return append([]string(nil), emplacements...) }

// MineCategories are the categories of mine a record may name.
func MineCategories() []string { return append([]string(nil), mineCategories...) }

// HazardEvidence are the kinds of evidence a hazard area may rest on,
// direct first (an area on direct evidence starts confirmed).
func HazardEvidence() []string {
	return append(append([]string(nil), directEvidence...), indirectEvidence...)
}

// DeviceCategories are the categories of device a release may destroy.
func DeviceCategories() []string { return append([]string(nil), deviceCategories...) }

// MayAddHazardEvent answers whether p may confirm or release the area.
func (s *Service) MayAddHazardEvent(p access.Principal, h HazardArea) error {
	return access.Decide(p, access.Update, h.Resource())
}
