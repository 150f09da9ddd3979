package agreement

import "github.com/truce-monitoring/truce/internal/store"

// projections returns the package's projections. Their tables are created
// by the store's migrations 0002_agreement.sql and 0012_evidence.sql; each Rows function is a pure
// function of (id, body).
func projections() []store.Projection {
	return []store.Projection{
		store.Typed(EntityOrganisation, []store.Table{
			{Name: "organisations", Columns: []string{"id", "kind", "name", "short_name", "country"}},
		}, organisationRows),
		store.Typed(EntityAgreement, []store.Table{
			{Name: "agreements", Columns: []string{"id", "title", "signed_at", "in_force_at"}},
			{Name: "agreement_parties", Columns: []string{"agreement_id", "org_id"}},
			{Name: "agreement_signatories", Columns: []string{"agreement_id", "org_id"}},
		}, agreementRows),
		store.Typed(EntityProvision, []store.Table{
			{Name: "provisions", Columns: []string{"id", "agreement_id", "number", "recorded_status", "next_deadline", "earliest_at"}},
			{Name: "provision_deadlines", Columns: []string{"provision_id", "idx", "due", "met_at"}},
			{Name: "provision_obligations", Columns: []string{"provision_id", "org_id"}},
		}, provisionRows),
		store.Typed(EntityEvidenceLink, []store.Table{
			{Name: "evidence_links", Columns: []string{"id", "provision_id", "record_kind", "record_id", "at"}},
		}, evidenceRows),
	}
}
