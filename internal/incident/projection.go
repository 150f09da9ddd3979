package incident

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// projections lists the package's projections; the tables are created by
// migrations 0005_incident.sql, 0006_review.sql and 0032_external_ids.sql.
func projections() []store.Projection {
	return []store.Projection{
		store.Typed(EntityAllegation, []store.Table{
			{Name: "allegations", Columns: []string{"id", "source_kind", "lodged_by", "on_behalf_of", "perpetrator", "category", "status",
				"lat", "lon", "radius_m", "precision", "start_at", "end_at", "day", "week", "zone_id", "outside_layers", "classification", "owner_org"}},
			{Name: "allegation_readers", Columns: []string{"record_id", "org_id"}},
			{Name: "allegation_external_ids", Columns: []string{"record_id", "owner_org", "external_id"}},
		}, allegationRows),
		store.Typed(EntityObservation, []store.Table{
			{Name: "observations", Columns: []string{"id", "observer_kind", "kind", "category", "explosion", "count", "perception",
				"lat", "lon", "min_lat", "min_lon", "max_lat", "max_lon", "start_at", "end_at", "day", "week", "zone_id", "classification", "owner_org"}},
			{Name: "observation_readers", Columns: []string{"record_id", "org_id"}},
			{Name: "observation_external_ids", Columns: []string{"record_id", "owner_org", "external_id"}},
		}, observationRows),
		store.Typed(EntityIncident, []store.Table{
			{Name: "incidents", Columns: []string{"id", "title", "category", "status", "outcome", "attribution",
				"lat", "lon", "radius_m", "start_at", "end_at", "day", "week", "zone_id", "classification", "owner_org"}},
			{Name: "incident_members", Columns: []string{"incident_id", "member_id", "kind"}},
			{Name: "incident_readers", Columns: []string{"record_id", "org_id"}},
		}, incidentRows),
		store.Typed(EntityPatrol, []store.Table{
			{Name: "patrols", Columns: []string{"id", "start_at", "end_at", "day", "min_lat", "min_lon", "max_lat", "max_lon", "classification", "owner_org"}},
			{Name: "patrol_readers", Columns: []string{"record_id", "org_id"}},
		}, patrolRows),
		store.Typed(EntityRestriction, []store.Table{
			{Name: "fom_restrictions", Columns: []string{"id", "patrol_id", "kind", "by_org", "lat", "lon", "start_at", "day", "week", "duration_s", "zone_id", "classification", "owner_org"}},
			{Name: "fom_restriction_readers", Columns: []string{"record_id", "org_id"}},
		}, restrictionRows),
		reviewProjection(),
		attachmentProjection(),
	}
}

// decodeStrict decodes one JSON value into v, refusing unknown members and
// trailing data, as the API does.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.Invalid("", "is not valid JSON for this record: %s", err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Invalid("", "has data after the JSON value")
	}
	return nil
}
