package statement

import "github.com/truce-monitoring/truce/internal/store"

// projections lists the package's projections; the tables are created by
// migration 0011_statement.sql.
func projections() []store.Projection {
	return []store.Projection{
		store.Typed(EntitySource, []store.Table{
			{Name: "sources", Columns: []string{"id", "outlet_org", "published_at", "language", "content_sha256", "classification", "owner_org"}},
			{Name: "source_readers", Columns: []string{"record_id", "org_id"}},
		}, sourceRows),
		store.Typed(EntityStatement, []store.Table{
			{Name: "statements", Columns: []string{"id", "organisation", "stance", "date_at", "language", "before_agreement", "folded", "classification", "owner_org"}},
			{Name: "statement_provisions", Columns: []string{"statement_id", "provision_id"}},
			{Name: "statement_sources", Columns: []string{"statement_id", "source_id"}},
			{Name: "statement_readers", Columns: []string{"record_id", "org_id"}},
		}, statementRows),
	}
}
