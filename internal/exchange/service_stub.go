// The export branch's Service, reduced to what the importers use, so that
// this branch builds; the lead deletes this file at merge (export owns
// service.go, which has these fields and more).

package exchange

import (
	"time"

	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
)

// Service exports and imports records through the domain services.
type Service struct {
	Geo       *geo.Service
	Incidents *incident.Service
	Now       func() time.Time
}

// Deps are the domain services an exchange Service reads and writes
// through.
type Deps struct {
	Geo       *geo.Service
	Incidents *incident.Service
	Now       func() time.Time // time.Now when nil
}

// New returns a Service on d.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Geo: d.Geo, Incidents: d.Incidents, Now: d.Now}
}
