package report

import (
	"context"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
)

// Humanitarian is what the daily report needs from the registries
// (detainees, remains, mine action, returns, transit). It is declared here,
// where it is used; the registries' adapters implement it. Each method
// returns the records p may read in [from, to). A nil Humanitarian makes
// the section say that no registry data is available.
type Humanitarian interface {
	Exchanges(ctx context.Context, p access.Principal, from, to time.Time) ([]ExchangeLine, error)
	Releases(ctx context.Context, p access.Principal, from, to time.Time) ([]ReleaseLine, error)
	Remains(ctx context.Context, p access.Principal, from, to time.Time) ([]RemainsLine, error)
	Handovers(ctx context.Context, p access.Principal, from, to time.Time) ([]HandoverLine, error)
	Returns(ctx context.Context, p access.Principal, from, to time.Time) ([]ReturnLine, error)
	Crossings(ctx context.Context, p access.Principal, from, to time.Time) ([]CrossingLine, error)
	Closures(ctx context.Context, p access.Principal, from, to time.Time) ([]ClosureLine, error)
}

// ExchangeLine is an exchange of detained persons.
type ExchangeLine struct {
	ID       string         `json:"id"`
	At       time.Time      `json:"at"`
	Place    string         `json:"place"`
	Mediator string         `json:"mediator,omitempty"`
	ToSide   map[string]int `json:"to_side" doc:"persons handed over to each side"`
	Note     string         `json:"note,omitempty"`
}

// ReleaseLine is a release of detained persons outside an exchange.
type ReleaseLine struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	HeldBy  string    `json:"held_by"`
	Persons int       `json:"persons"`
	Note    string    `json:"note,omitempty"`
}

// RemainsLine is a recovery, identification or handover of remains.
type RemainsLine struct {
	ID    string    `json:"id"`
	At    time.Time `json:"at"`
	Event string    `json:"event" doc:"recovered, identified or handed_over"`
	Count int       `json:"count"`
	Note  string    `json:"note,omitempty"`
}

// HandoverLine is a handover of minefield records.
type HandoverLine struct {
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Records  int       `json:"records"`
	Mines    int       `json:"mines,omitempty"`
	Mediator string    `json:"mediator,omitempty"`
}

// ReturnLine is a return movement of displaced people.
type ReturnLine struct {
	ID          string    `json:"id"`
	At          time.Time `json:"at"`
	Destination string    `json:"destination"`
	People      int       `json:"people"`
	Organised   bool      `json:"organised"`
}

// CrossingLine sums the crossings at a corridor checkpoint.
type CrossingLine struct {
	Checkpoint string `json:"checkpoint"`
	Direction  string `json:"direction"`
	People     int    `json:"people"`
	Vehicles   int    `json:"vehicles"`
}

// ClosureLine is a closure or reopening of a crossing or the corridor.
type ClosureLine struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Where  string    `json:"where"`
	Kind   string    `json:"kind" doc:"closure or reopening"`
	Reason string    `json:"reason,omitempty"`
}

// HumanitarianSection is the daily report's humanitarian section.
type HumanitarianSection struct {
	// Available is false when no registry is wired: the section then says
	// so rather than reporting zeros.
	Available bool           `json:"available"`
	Note      string         `json:"note,omitempty"`
	Exchanges []ExchangeLine `json:"exchanges"`
	Releases  []ReleaseLine  `json:"releases"`
	Remains   []RemainsLine  `json:"remains"`
	Handovers []HandoverLine `json:"handovers"`
	Returns   []ReturnLine   `json:"returns"`
	Crossings []CrossingLine `json:"crossings"`
	Closures  []ClosureLine  `json:"closures"`
}

// count is the number of humanitarian records in the section.
func (h *HumanitarianSection) count() int {
	if h == nil {
		return 0
	}
	return len(h.Exchanges) + len(h.Releases) + len(h.Remains) + len(h.Handovers) + len(h.Returns) + len(h.Crossings) + len(h.Closures)
}

func (s *Service) humanitarianSection(ctx context.Context, p access.Principal, per Period) (*HumanitarianSection, error) {
	h := s.humanitarian
	if h == nil {
		return &HumanitarianSection{Note: "No registry data: the registries of detainees, remains, minefield records, returns and the corridor are not connected to this report."}, nil
	}
	out := &HumanitarianSection{Available: true}
	var err error
	if out.Exchanges, err = h.Exchanges(ctx, p, per.From, per.To); err != nil {
		return nil, err
	}
	if out.Releases, err = h.Releases(ctx, p, per.From, per.To); err != nil {
		return nil, err
	}
	if out.Remains, err = h.Remains(ctx, p, per.From, per.To); err != nil {
		return nil, err
	}
	if out.Handovers, err = h.Handovers(ctx, p, per.From, per.To); err != nil {
		return nil, err
	}
	if out.Returns, err = h.Returns(ctx, p, per.From, per.To); err != nil {
		return nil, err
	}
	if out.Crossings, err = h.Crossings(ctx, p, per.From, per.To); err != nil {
		return nil, err
	}
	if out.Closures, err = h.Closures(ctx, p, per.From, per.To); err != nil {
		return nil, err
	}
	return out, nil
}
