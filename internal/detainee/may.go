package detainee

import "github.com/truce-monitoring/truce/internal/access"

// What a reader may be offered, asked before a form is shown (the pages
// offer a form only when the service would take it). Each answers nil or
// the error the write itself would return.

// MayRegister answers whether p may register persons held (a liaison only
// those its own side holds: the write checks the side).
func (s *Service) MayRegister(p access.Principal) error {
	return access.Decide(p, access.Create, kindPerson.New())
}

// MayAddEvent answers whether p may record status events on person.
func (s *Service) MayAddEvent(p access.Principal, person Person) error {
	return access.Decide(p, access.Update, person.Resource())
}

// EventKindsFor are the event kinds p may record on a person (the history
// still decides whether one may follow: see AddEvent). Captures are
// recorded at registration, so they are not offered.
func EventKindsFor(p access.Principal) []string {
	var out []string
	for _, k := range EventKinds {
		if k == "captured" {
			continue
		}
		if mayRecord(p, Event{Kind: k}, "") != nil {
			continue
		}
		out = append(out, k)
	}
	return out
}

// MayRecordExchange answers whether p may record exchanges.
func (s *Service) MayRecordExchange(p access.Principal) error {
	return access.Decide(p, access.Create, kindExchange.New())
}

// MayRecordRemains answers whether p may record remains.
func (s *Service) MayRecordRemains(p access.Principal) error {
	return access.Decide(p, access.Create, kindRemains.New())
}

// Limits on the registry's texts, in characters (the forms' maxlength).
const (
	MaxName    = 200  // a name, rank, number, place name
	MaxAddress = 1000 // an address, a death record's texts
	MaxNote    = 4000 // an exchange's or remains record's note

	MaxRemainsCount = 100_000 // bodies one remains record stands for
)
