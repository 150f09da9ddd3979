// Stand-ins for the geoimport branch's importers, so that `truce import`
// and the API can dispatch every kind; the lead deletes this file at merge.

package exchange

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// ImportLayers is geoimport's; here it refuses.
func (s *Service) ImportLayers(ctx context.Context, p access.Principal, r FeatureReader, opt ImportOptions) (ImportResult, error) {
	return ImportResult{}, errs.Invalid("kind", "importing layers is not built on this branch")
}

// ImportPlaces is geoimport's; here it refuses.
func (s *Service) ImportPlaces(ctx context.Context, p access.Principal, r FeatureReader, opt ImportOptions) (ImportResult, error) {
	return ImportResult{}, errs.Invalid("kind", "importing places is not built on this branch")
}
