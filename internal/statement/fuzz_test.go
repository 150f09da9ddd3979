package statement

import (
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

func FuzzSourceInput(f *testing.F) {
	for _, s := range []string{
		`{"outlet":"وكالة أنباء","date":"2021-08-31","language":"ar","url":"https://news.example/ar/1","title":"روسيا تدعو أذربيجان","text":"نص"}`,
		`{"outlet_org":"org_abc","date":"2021-08-31T10:00:00+03:00","language":"EN-us","url":"http://x.example","title":"T","content_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","notes":"n\n"}`,
		`{"outlet":"x","date":"2021-02-30","language":"und","url":"ftp://x","title":"\u202e"}`,
		`{"outlet":"x","date":"2021-08-31","language":"i-klingon","url":"https://u:p@x","title":"t","classification":"restricted","restricted_to":["org_a"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckStrictInput(t, data, func(in SourceInput) (SourceBody, error) { return in.body("org_owner") }, storetest.Projection(projections(), EntitySource))
	})
}

func FuzzStatementInput(f *testing.F) {
	for _, s := range []string{
		`{"speaker":"Minister","organisation":"org_ru","date":"2021-08-31","language":"ru","summaries":[{"language":"en","text":"Urges release."},{"language":"ar","text":"تحث روسيا\u200f"}],"stance":"appeal","provisions":["prv_8"],"sources":["src_1","src_2"]}`,
		`{"speaker":"x","organisation":"org_ru","date":"2020-10-10T00:00:00-12:00","language":"hy-am","summaries":[{"language":"hy","text":"Հ"}],"stance":"denial","illustrative":true}`,
		`{"speaker":"x","organisation":"org_ru","date":"2021-08-31","language":"en","summaries":[{"language":"en","text":"a"},{"language":"EN","text":"b"}],"stance":"welcome"}`,
		`{"speaker":" x","organisation":"prv_1","date":"x","language":"","summaries":[],"stance":"threat","provisions":["prv_1","prv_1"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckStrictInput(t, data, func(in StatementInput) (StatementBody, error) { return in.body("org_owner") }, storetest.Projection(projections(), EntityStatement))
	})
}

// FuzzParseLanguage: a tag is accepted only in a canonical form that is
// accepted again as itself.
func FuzzParseLanguage(f *testing.F) {
	for _, s := range []string{"en", "EN-us", "ar", "hy-AM", "az-Latn", "i-klingon", "und", "x-private", "en-u-ca-gregory", "zh-min-nan", "sgn-BE-FR"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		canon, err := parseLanguage("language", s)
		if err != nil {
			if errs.FieldOf(err) != "language" {
				t.Fatalf("refused without naming the field: %v", err)
			}
			return
		}
		again, err := parseLanguage("language", canon)
		if err != nil || again != canon {
			t.Fatalf("%q → %q → %q, %v", s, canon, again, err)
		}
	})
}
