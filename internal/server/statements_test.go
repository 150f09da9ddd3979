package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// statementJSON is a statement body with the parts a case changes.
func statementJSON(org, date, stance, summaries, provisions, extra string) string {
	return fmt.Sprintf(`{"speaker":"A spokesperson","organisation":%q,"date":%q,"language":"en","summaries":%s,"stance":%q,"provisions":%s%s}`,
		org, date, summaries, stance, provisions, extra)
}

func enSummary(text string) string { return fmt.Sprintf(`[{"language":"en","text":%q}]`, text) }

// Every bad input of the statements, sources and evidence links, each
// refused with the failing field and without a change; and the inputs
// that look odd but are allowed.
func TestStatementBadInput(t *testing.T) {
	s := start(t)
	ru, media := s.loaded.Orgs["RU"], s.loaded.Orgs["GE"]
	prov8, prov1 := s.loaded.Provisions["8"], s.loaded.Provisions["1"]
	p8 := fmt.Sprintf(`[%q]`, prov8)
	ok := enSummary("Calls for the release of detainees.")
	source := func(extra string) string {
		return `{"outlet":"Agency","date":"2021-08-31","language":"en","url":"https://news.example/a","title":"A report"` + extra + `}`
	}
	// A statement already linked to provision 8, for the cases about links.
	stm := s.post(t, "analyst", "POST", "/api/v1/statements", statementJSON(ru, "2021-09-01", "appeal", ok, p8, ""), http.StatusCreated)
	link := s.post(t, "analyst", "POST", "/api/v1/provisions/"+prov8+"/evidence", fmt.Sprintf(`{"record_kind":"statement","record_id":%q}`, stm.ID), http.StatusCreated)
	word := strings.Repeat("ب", 10_001)
	cases := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"statement dated in the future", "POST", "/api/v1/statements", statementJSON(ru, "2999-01-01", "appeal", ok, p8, ""), 400, "date"},
		{"statement time in the future", "POST", "/api/v1/statements", statementJSON(ru, "2999-01-01T10:00:00Z", "appeal", ok, p8, ""), 400, "date"},
		{"date that does not parse", "POST", "/api/v1/statements", statementJSON(ru, "31/08/2021", "appeal", ok, p8, ""), 400, "date"},
		{"unknown stance", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "threat", ok, p8, ""), 400, "stance"},
		{"bad language tag", "POST", "/api/v1/statements", strings.Replace(statementJSON(ru, "2021-08-31", "appeal", ok, p8, ""), `"language":"en","summaries"`, `"language":"english","summaries"`, 1), 400, "language"},
		{"unknown language subtag in a summary", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "appeal", `[{"language":"xx","text":"t"}]`, p8, ""), 400, "summaries[0].language"},
		{"undetermined language", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "appeal", `[{"language":"und","text":"t"}]`, p8, ""), 400, "summaries[0].language"},
		{"two summaries in one language", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "appeal", `[{"language":"en","text":"a"},{"language":"EN","text":"b"}]`, p8, ""), 400, "summaries[1].language"},
		{"no summary", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "appeal", `[]`, p8, ""), 400, "summaries"},
		{"bidi override in a summary", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "appeal", `[{"language":"ar","text":"تحث \u202Eأذربيجان"}]`, p8, ""), 400, "summaries[0].text"},
		{"bidi isolate in a speaker", "POST", "/api/v1/statements", strings.Replace(statementJSON(ru, "2021-08-31", "appeal", ok, p8, ""), "A spokesperson", `A \u2067spokesperson`, 1), 400, "speaker"},
		{"a word longer than a summary may be", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "appeal", fmt.Sprintf(`[{"language":"ar","text":%q}]`, word), p8, ""), 400, "summaries[0].text"},
		{"unknown provision id", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "appeal", ok, `["prv_doesnotexist"]`, ""), 400, "provisions[0]"},
		{"not a provision id", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "appeal", ok, `["inc_123"]`, ""), 400, "provisions[0]"},
		{"provision listed twice", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "appeal", ok, fmt.Sprintf(`[%q,%q]`, prov8, prov8), ""), 400, "provisions[1]"},
		{"unknown organisation", "POST", "/api/v1/statements", statementJSON("org_nosuch", "2021-08-31", "appeal", ok, p8, ""), 400, "organisation"},
		{"unknown source", "POST", "/api/v1/statements", statementJSON(ru, "2021-08-31", "appeal", ok, p8, `,"sources":["src_nosuch"]`), 400, "sources[0]"},
		{"non-http URL", "POST", "/api/v1/sources", strings.Replace(source(""), "https://news.example/a", "ftp://news.example/a", 1), 400, "url"},
		{"script URL", "POST", "/api/v1/sources", strings.Replace(source(""), "https://news.example/a", "javascript:alert(1)", 1), 400, "url"},
		{"URL with a password", "POST", "/api/v1/sources", strings.Replace(source(""), "https://news.example/a", "https://u:p@news.example/a", 1), 400, "url"},
		{"source language not a tag", "POST", "/api/v1/sources", strings.Replace(source(""), `"language":"en"`, `"language":"en us"`, 1), 400, "language"},
		{"source dated in the future", "POST", "/api/v1/sources", strings.Replace(source(""), "2021-08-31", "2999-08-31", 1), 400, "date"},
		{"source without an outlet", "POST", "/api/v1/sources", strings.Replace(source(""), `"outlet":"Agency",`, "", 1), 400, "outlet"},
		{"outlet that is not a media organisation", "POST", "/api/v1/sources", source(fmt.Sprintf(`,"outlet_org":%q`, media)), 400, "outlet_org"},
		{"content hash not hex", "POST", "/api/v1/sources", source(`,"content_sha256":"xyz"`), 400, "content_sha256"},
		{"content hash disagrees with the text", "POST", "/api/v1/sources", source(`,"text":"the article","content_sha256":"` + strings.Repeat("0", 64) + `"`), 400, "text"},
		{"bidi override in a title", "POST", "/api/v1/sources", strings.Replace(source(""), "A report", `A \u202Ereport`, 1), 400, "title"},
		{"unknown stance filter", "GET", "/api/v1/statements?stance=threat", "", 400, "stance"},
		{"search for nothing", "GET", "/api/v1/statements?q=%CC%81", "", 400, "q"},
		{"unknown record_kind", "POST", "/api/v1/provisions/" + prov8 + "/evidence", `{"record_kind":"weather","record_id":"wx_1"}`, 400, "record_kind"},
		{"record_kind not a kind", "POST", "/api/v1/provisions/" + prov8 + "/evidence", `{"record_kind":"Incident!","record_id":"inc_1"}`, 400, "record_kind"},
		{"missing record", "POST", "/api/v1/provisions/" + prov8 + "/evidence", `{"record_kind":"statement","record_id":"stm_nosuchrecord"}`, 400, "record_id"},
		{"missing incident", "POST", "/api/v1/provisions/" + prov8 + "/evidence", `{"record_kind":"incident","record_id":"inc_nosuchrecord"}`, 400, "record_id"},
		{"evidence in the future", "POST", "/api/v1/provisions/" + prov8 + "/evidence", fmt.Sprintf(`{"record_kind":"statement","record_id":%q,"at":"2999-01-01T00:00:00Z"}`, stm.ID), 400, "at"},
		{"record linked twice", "POST", "/api/v1/provisions/" + prov8 + "/evidence", fmt.Sprintf(`{"record_kind":"statement","record_id":%q}`, stm.ID), 409, "record_id"},
		{"evidence for a missing provision", "POST", "/api/v1/provisions/prv_nosuch/evidence", fmt.Sprintf(`{"record_kind":"statement","record_id":%q}`, stm.ID), 404, ""},
		{"status citing another provision's link", "POST", "/api/v1/provisions/" + prov1 + "/status?version=1",
			fmt.Sprintf(`{"status":"in_progress","at":"2021-09-02T00:00:00Z","note":"n","evidence":[{"kind":"link","ref":%q}]}`, link.ID), 400, "evidence[0].ref"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if strings.Contains(path, "/status?version=") {
				path = strings.Split(path, "?")[0] + "?version=" + strings.Trim(s.with("analyst").do("GET", strings.Split(path, "/status")[0], "").header.Get("ETag"), `"`)
			}
			before := s.peopleChanges()
			res := s.with("analyst").do(tc.method, path, tc.body)
			var p struct {
				Code  string `json:"code"`
				Field string `json:"field"`
			}
			res.json(t, &p)
			if res.status != tc.status || p.Field != tc.field {
				t.Errorf("got %d %s field %q (%s); want %d field %q", res.status, p.Code, p.Field, res.body, tc.status, tc.field)
			}
			if after := s.peopleChanges(); after != before {
				t.Errorf("log grew from %d to %d on bad input", before, after)
			}
		})
	}

	allowed := []struct {
		name, body string
		check      func(t *testing.T, res response)
	}{
		{"statement dated before the agreement it cites is allowed and flagged",
			statementJSON(ru, "2020-10-10", "appeal", ok, p8, ""), func(t *testing.T, res response) {
				if !strings.Contains(string(res.body), `"before_agreement":true`) {
					t.Errorf("not flagged before_agreement: %s", res.body)
				}
			}},
		{"statement after the agreement is not flagged",
			statementJSON(ru, "2021-08-31", "welcome", ok, p8, ""), func(t *testing.T, res response) {
				if !strings.Contains(string(res.body), `"before_agreement":false`) {
					t.Errorf("flagged before_agreement: %s", res.body)
				}
			}},
		{"a very long word within the length limit is kept as sent",
			statementJSON(ru, "2021-08-31", "appeal", fmt.Sprintf(`[{"language":"ar","text":%q}]`, word[:2*5000]), p8, ""), func(t *testing.T, res response) {
				if !strings.Contains(string(res.body), word[:2*5000]) {
					t.Errorf("long word not kept")
				}
			}},
		{"right-to-left marks that Arabic needs are allowed",
			statementJSON(ru, "2021-08-31", "appeal", `[{"language":"ar","text":"روسيا\u200f تحث أذربيجان"},{"language":"fa","text":"می\u200cخواهد"}]`, p8, ""), nil},
		{"language tags are kept in canonical form",
			statementJSON(ru, "2021-08-31", "appeal", `[{"language":"hy-am","text":"Հայաստան"}]`, p8, ""), func(t *testing.T, res response) {
				if !strings.Contains(string(res.body), `"language":"hy-AM"`) {
					t.Errorf("tag not canonical: %s", res.body)
				}
			}},
	}
	for _, tc := range allowed {
		t.Run(tc.name, func(t *testing.T) {
			res := s.with("analyst").do("POST", "/api/v1/statements", tc.body)
			if res.status != http.StatusCreated {
				t.Fatalf("got %d %s", res.status, res.body)
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

// The demo's statement is found in every language it is summarised in,
// with its sources, and is evidence of provision 8; a link to a restricted
// record is seen only by those who may read the record.
func TestStatementsAndEvidence(t *testing.T) {
	s := start(t)
	ru, az := s.loaded.Orgs["RU"], s.loaded.Orgs["AZ"]
	prov8 := s.loaded.Provisions["8"]
	type page struct {
		Items []struct {
			ID              string   `json:"id"`
			Stance          string   `json:"stance"`
			Sources         []string `json:"sources"`
			BeforeAgreement bool     `json:"before_agreement"`
			Illustrative    bool     `json:"illustrative"`
			Language        string   `json:"language"`
			Description     string   `json:"description"`
			RecordID        string   `json:"record_id"`
			ContentSHA256   string   `json:"content_sha256"`
		} `json:"items"`
		Next string `json:"next"`
	}
	list := func(role, path string) page {
		t.Helper()
		res := s.with(role).do("GET", path, "")
		if res.status != 200 {
			t.Fatalf("%s: %d %s", path, res.status, res.body)
		}
		var p page
		res.json(t, &p)
		return p
	}
	// Searches in three scripts, ignoring case and the Arabic shadda.
	for _, q := range []string{"REMAINING ARMENIAN", "ПРИЗЫВАЕТ Азербайджан", "ورحب", "minefield maps"} {
		p := list("observer", "/api/v1/statements?q="+url.QueryEscape(q))
		if len(p.Items) != 1 {
			t.Fatalf("search %q: %d statements", q, len(p.Items))
		}
		if len(p.Items[0].Sources) != 3 {
			t.Errorf("demo statement has %d sources", len(p.Items[0].Sources))
		}
	}
	demoStatement := list("observer", "/api/v1/statements?q=servicemen").Items[0].ID
	for _, f := range []string{"stance=appeal", "organisation=" + ru, "provision=" + prov8, "from=2021-08-31T00:00:00Z&to=2021-09-01T00:00:00Z"} {
		if p := list("observer", "/api/v1/statements?"+f); len(p.Items) != 1 || p.Items[0].ID != demoStatement {
			t.Errorf("filter %s: %+v", f, p.Items)
		}
	}
	if p := list("observer", "/api/v1/statements?stance=denial"); len(p.Items) != 0 {
		t.Errorf("stance=denial found %d", len(p.Items))
	}
	if p := list("observer", "/api/v1/sources?language=ar"); len(p.Items) != 1 || !p.Items[0].Illustrative {
		t.Errorf("Arabic sources: %+v", p.Items)
	}

	// A source's text is hashed, not kept.
	article := "Текст статьи, как он был сохранён."
	sum := sha256.Sum256([]byte(article))
	res := s.with("monitor").do("POST", "/api/v1/sources", fmt.Sprintf(`{"outlet":"Agency","date":"2021-09-01T08:00:00+03:00","language":"ru","url":"http://news.example/b","title":"Заголовок","text":%q}`, article))
	if res.status != 201 || !strings.Contains(string(res.body), hex.EncodeToString(sum[:])) || strings.Contains(string(res.body), "сохранён") {
		t.Fatalf("source with text: %d %s", res.status, res.body)
	}

	// Evidence: the demo links its statement to provision 8.
	ev := list("observer", "/api/v1/provisions/"+prov8+"/evidence")
	found := false
	for _, e := range ev.Items {
		found = found || (e.RecordID == demoStatement && strings.HasPrefix(e.Description, "appeal by "))
	}
	if !found {
		t.Fatalf("provision 8 evidence: %+v", ev.Items)
	}
	// Provision 8 holds the demo's registry evidence too; what each reader
	// sees of a provision's links is checked on provision 5, which has none:
	// the demo statement is linked there as its one public link.
	provE := s.loaded.Provisions["5"]
	s.post(t, "analyst", "POST", "/api/v1/provisions/"+provE+"/evidence", fmt.Sprintf(`{"record_kind":"statement","record_id":%q,"at":"2021-08-31T00:00:00Z"}`, demoStatement), 201)
	// A statement restricted to Azerbaijan, linked as newer evidence.
	s.post(t, "analyst", "POST", "/api/v1/statements", statementJSON(ru, "2021-09-05", "commitment", enSummary("A confidential commitment."),
		fmt.Sprintf(`[%q]`, prov8), fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, az)), 201)
	commitments := list("analyst", "/api/v1/statements?stance=commitment")
	if len(commitments.Items) != 1 {
		t.Fatalf("restricted statement listed %d times for its writer", len(commitments.Items))
	}
	secret := commitments.Items[0]
	if p := list("liaison-am", "/api/v1/statements?stance=commitment"); len(p.Items) != 0 {
		t.Errorf("liaison-am lists the statement restricted to Azerbaijan")
	}
	linkRes := s.post(t, "analyst", "POST", "/api/v1/provisions/"+provE+"/evidence", fmt.Sprintf(`{"record_kind":"statement","record_id":%q,"at":"2021-09-05T00:00:00Z"}`, secret.ID), 201)
	count := func(role string) string {
		var p struct {
			EvidenceCount *int `json:"evidence_count"`
		}
		s.with(role).do("GET", "/api/v1/provisions/"+provE, "").json(t, &p)
		if p.EvidenceCount == nil {
			return "none"
		}
		return fmt.Sprint(*p.EvidenceCount)
	}
	for role, want := range map[string]int{"liaison-az": 2, "analyst": 2, "liaison-am": 1, "observer": 1, "humanitarian": 1} {
		p := list(role, "/api/v1/provisions/"+provE+"/evidence")
		if len(p.Items) != want {
			t.Errorf("%s sees %d evidence links, want %d", role, len(p.Items), want)
		}
		if want == 2 && p.Items[0].RecordID != secret.ID {
			t.Errorf("%s: newest evidence first: %+v", role, p.Items)
		}
		if got := count(role); got != fmt.Sprint(want) {
			t.Errorf("%s: provision's evidence_count %s, want %d", role, got, want)
		}
		// The link's history follows the linked record.
		hist := s.with(role).do("GET", "/api/v1/history/evidence_link/"+linkRes.ID, "")
		if (want == 2) != (hist.status == 200) {
			t.Errorf("%s: history of the restricted link: %d", role, hist.status)
		}
	}
	// Pages of one: the hidden link does not shorten or end a page early.
	p1 := list("liaison-am", "/api/v1/provisions/"+provE+"/evidence?limit=1")
	if len(p1.Items) != 1 || p1.Items[0].RecordID != demoStatement || p1.Next != "" {
		t.Errorf("liaison-am's first page: %+v", p1)
	}
	p1 = list("liaison-az", "/api/v1/provisions/"+provE+"/evidence?limit=1")
	if len(p1.Items) != 1 || p1.Next == "" {
		t.Fatalf("liaison-az's first page: %+v", p1)
	}
	if p2 := list("liaison-az", "/api/v1/provisions/"+provE+"/evidence?limit=1&cursor="+p1.Next); len(p2.Items) != 1 || p2.Items[0].RecordID != demoStatement {
		t.Errorf("liaison-az's second page: %+v", p2)
	}

	// A status event cites the link.
	etag := s.with("analyst").do("GET", "/api/v1/provisions/"+provE, "").header.Get("ETag")
	s.post(t, "analyst", "POST", "/api/v1/provisions/"+provE+"/status",
		fmt.Sprintf(`{"status":"in_progress","at":"2021-09-06T00:00:00Z","note":"Detainees remain.","evidence":[{"kind":"link","ref":%q}]}`, linkRes.ID), 200, "If-Match", etag)

	// An incident links too, and its liaisons see it by its own label.
	var inc struct {
		Items []struct{ ID string } `json:"items"`
	}
	s.with("analyst").do("GET", "/api/v1/incidents?limit=1", "").json(t, &inc)
	if len(inc.Items) == 0 {
		t.Fatal("no demo incident")
	}
	s.post(t, "monitor", "POST", "/api/v1/provisions/"+s.loaded.Provisions["1"]+"/evidence", fmt.Sprintf(`{"record_kind":"incident","record_id":%q,"note":"A breach of the ceasefire."}`, inc.Items[0].ID), 201)
	if p := list("liaison-am", "/api/v1/provisions/"+s.loaded.Provisions["1"]+"/evidence"); len(p.Items) != 1 || p.Items[0].Description == "" {
		t.Errorf("incident evidence: %+v", p.Items)
	}
}
