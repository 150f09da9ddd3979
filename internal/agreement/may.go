package agreement

import "github.com/truce-monitoring/truce/internal/access"

// MayAddEvidence answers whether p may link records to provisions as
// evidence (nil, or the error AddEvidence would return).
func (s *Service) MayAddEvidence(p access.Principal) error {
	return access.Decide(p, access.Create, kindEvidenceLink.New())
}

// MaxEvidenceNote is the longest note of an evidence link, in characters.
const MaxEvidenceNote = MaxText
