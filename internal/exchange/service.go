package exchange

import (
	"time"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/transit"
)

// Service exports and imports records through the domain services, with
// the principal of whoever asks: it holds no SQL of its own.
type Service struct {
	Agreements *agreement.Service
	Geo        *geo.Service
	Incidents  *incident.Service
	Mines      *mines.Service
	Detainees  *detainee.Service
	Returns    *returns.Service
	Transit    *transit.Service
	Now        func() time.Time
}

// Deps are the domain services an exchange Service reads and writes
// through.
type Deps struct {
	Agreements *agreement.Service
	Geo        *geo.Service
	Incidents  *incident.Service
	Mines      *mines.Service
	Detainees  *detainee.Service
	Returns    *returns.Service
	Transit    *transit.Service
	Now        func() time.Time // time.Now when nil
}

// New returns a Service on d.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Agreements: d.Agreements, Geo: d.Geo, Incidents: d.Incidents, Mines: d.Mines,
		Detainees: d.Detainees, Returns: d.Returns, Transit: d.Transit, Now: d.Now}
}
