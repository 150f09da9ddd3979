package exchange

import "github.com/truce-monitoring/truce/internal/geo"

// Service is a stand-in for the export helper's Service, holding only the
// domain service the geography imports need. The lead deletes this file at
// merge: the real Service has a Geo field of the same type.
type Service struct {
	Geo *geo.Service
}
