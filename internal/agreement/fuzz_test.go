package agreement

import (
	"testing"

	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

func FuzzOrganisationInput(f *testing.F) {
	for _, s := range []string{
		`{"name":"Republic of Armenia","short_name":"Armenia","kind":"side","country":"AM","names":{"hy":"Հայաստանի Հանրապետություն"},"illustrative":true}`,
		`{"name":"ICRC","kind":"humanitarian"}`,
		`{"name":"x","kind":"media","names":{"az-Latn":"y","":"z"}}`,
		`{"name":" x","kind":"side"}`,
		`{"name":"x\u202e","kind":"side","country":"XX"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckStrictInput(t, data, OrganisationInput.body, storetest.Projection(projections(), EntityOrganisation))
	})
}

func FuzzAgreementInput(f *testing.F) {
	for _, s := range []string{
		`{"title":"Trilateral statement","signed_at":"2020-11-09T20:00:00Z","in_force_at":"2020-11-10T00:00:00+03:00","signatories":["org_a","org_b"],"parties":["org_a"],"summary":"Nine points.\nCeasefire.","source_url":"https://example.org/s","illustrative":false}`,
		`{"title":"x","signed_at":"9999-12-31T23:59:59-01:00","in_force_at":"9999-12-31T23:59:59-01:00","signatories":["org_a"],"parties":["org_a"]}`,
		`{"title":"x","signed_at":"2020-11-09T20:00:00.123456789Z","in_force_at":"2020-11-09T20:00:00.1Z","signatories":["org_a"],"parties":["org_a","org_a"]}`,
		`{"title":"x","signed_at":"2020-11-09","source_url":"javascript:x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckStrictInput(t, data, AgreementInput.body, storetest.Projection(projections(), EntityAgreement))
	})
}

func FuzzProvisionInput(f *testing.F) {
	for _, s := range []string{
		`{"agreement_id":"agr_x","number":"6","summary":"Kalbajar, Lachin.","obligated":["org_am"],"deadlines":[{"what":"Kalbajar","due":"2020-11-25T00:00:00+04:00","original_due":"2020-11-15T00:00:00+04:00"},{"what":"Lachin","due":"2020-12-01T00:00:00+04:00","met_at":"2020-12-01T00:00:00Z"}],"period":{"from":"2020-11-10T00:00:00Z","to":"2025-11-10T00:00:00Z"},"quantities":[{"what":"width","value":5,"unit":"km"}],"illustrative":true}`,
		`{"agreement_id":"agr_x","number":"3","summary":"Peacekeepers.","quantities":[{"what":"troops","value":1960},{"what":"APCs","value":-0}]}`,
		`{"agreement_id":"agr_x","number":"1","summary":"x","period":{"from":"2020-11-10T00:00:00Z"}}`,
		`{"agreement_id":"agr_x","number":"1","summary":"x","deadlines":[{"what":"a","due":"2020-11-10T00:00:00Z","original_due":"2020-11-11T00:00:00Z"}]}`,
		`{"agreement_id":"org_x","number":"","summary":""}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckStrictInput(t, data, ProvisionInput.body, storetest.Projection(projections(), EntityProvision))
	})
}

func FuzzStatusInput(f *testing.F) {
	for _, s := range []string{
		`{"status":"in_progress","at":"2020-11-25T00:00:00+04:00","note":"Handed over.\n","evidence":[{"kind":"url","ref":"https://example.org/a","title":"Report"},{"kind":"record","ref":"inc_0123456789abcdefghjk"}]}`,
		`{"status":"overdue","at":"2020-11-25T00:00:00Z"}`,
		`{"status":"violated","at":"2020-11-25T00:00:00Z","evidence":[{"kind":"record","ref":"_x"}]}`,
		`{"status":"in_progress","at":"2021-08-31T00:00:00Z","evidence":[{"kind":"link","ref":"evd_0123456789abcdefghjk"},{"kind":"link","ref":"stm_x"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckStrictInput(t, data, StatusInput.event, store.Projection{})
	})
}
