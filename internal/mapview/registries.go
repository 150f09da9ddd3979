package mapview

import (
	"context"
	"net/url"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/store"
)

// maxMapRegistryFeatures bounds what one registry adds to one view.
const maxMapRegistryFeatures = 2000

// hazardAreaFeatures are the hazard areas and the recorded minefields'
// perimeters in view that p may read. Areas are drawn as they are now:
// their status is the latest the registry holds.
func (s *Service) hazardAreaFeatures(ctx context.Context, p access.Principal, q Request) ([]Feature, error) {
	var out []Feature
	box := q.BBox
	page := store.PageRequest{Limit: store.MaxLimit}
	for len(out) < maxMapRegistryFeatures {
		areas, err := s.Mines.ListHazardAreas(ctx, p, mines.HazardAreaFilter{Within: &box}, page)
		if err != nil {
			return nil, err
		}
		for _, h := range areas.Items {
			label := h.Name
			if label == "" {
				label = h.District
			}
			out = append(out, Feature{Type: "Feature", Geometry: geo.PolygonGeometry(h.Polygon), Properties: map[string]any{
				"kind": "hazard_area", "id": h.ID, "url": "/hazard-areas?district=" + url.QueryEscape(h.District), "label": label,
				"status": h.Status, "area_m2": h.AreaM2, "remaining_m2": h.RemainingM2, "minefield_id": h.MinefieldID,
				"illustrative": h.Illustrative}})
		}
		if areas.Next == "" {
			break
		}
		page.Cursor = areas.Next
	}
	page = store.PageRequest{Limit: store.MaxLimit}
	for len(out) < maxMapRegistryFeatures {
		fields, err := s.Mines.ListMinefields(ctx, p, mines.MinefieldFilter{Within: &box}, page)
		if err != nil {
			return nil, err
		}
		for _, m := range fields.Items {
			label := m.Designation
			if label == "" {
				label = m.District
			}
			out = append(out, Feature{Type: "Feature", Geometry: geo.PolygonGeometry(m.Perimeter), Properties: map[string]any{
				"kind": "minefield", "id": m.ID, "url": "/minefields/" + m.ID, "label": label, "status": "recorded",
				"area_m2": m.AreaM2, "illustrative": m.Illustrative}})
		}
		if fields.Next == "" {
			break
		}
		page.Cursor = fields.Next
	}
	return out, nil
}

// checkpointStatus is whether a checkpoint was open, partially restricted
// or closed at at, from the restrictions p may read ("" without the
// transit registry).
func (s *Service) checkpointStatus(ctx context.Context, p access.Principal, at time.Time, id string) (string, error) {
	if s.Transit == nil {
		return "", nil
	}
	st, err := s.Transit.StatusAt(ctx, p, at, "", id)
	if errs.CodeOf(err) == errs.CodeInvalid {
		// A site the registry does not take for a checkpoint at that time
		// has no status to show; the rest of the view still stands.
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return st.Status, nil
}
