package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// A reader asks for a report in a language (lang), as a draft and once
// issued; an unknown language is refused naming the parameter.
func TestReportInEachLanguage(t *testing.T) {
	s := start(t)
	id := "daily-2021-06-12-public"
	words := map[string]string{"en": "Ceasefire violations", "ru": "Нарушения режима прекращения огня", "ar": "انتهاكات وقف إطلاق النار"}
	for lang, heading := range words {
		res := s.with("observer").do("GET", "/api/v1/reports/"+id+"?format=html&lang="+lang, "")
		if res.status != http.StatusOK || !strings.Contains(string(res.body), heading) || !strings.Contains(string(res.body), `lang="`+lang+`"`) {
			t.Errorf("draft in %s: %d, heading %q missing", lang, res.status, heading)
		}
	}
	if res := s.with("observer").do("GET", "/api/v1/reports/"+id+"?format=html&lang=xx", ""); res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "lang") {
		t.Errorf("lang=xx: %d %s", res.status, res.body)
	}
	res := s.with("cochair").do("POST", "/api/v1/reports/"+id+"/issue", "")
	if res.status != http.StatusCreated {
		t.Fatalf("issue: %d %s", res.status, res.body)
	}
	var issued struct {
		Number string `json:"number"`
		Files  []struct {
			Format string `json:"format"`
			Lang   string `json:"lang"`
			SHA256 string `json:"sha256"`
		} `json:"files"`
	}
	res.json(t, &issued)
	langs := map[string]int{}
	for _, f := range issued.Files {
		langs[f.Lang]++
	}
	if issued.Number != "DP-163/2021" || len(langs) != len(words) {
		t.Errorf("issued %q with files in %v", issued.Number, langs)
	}
	// Without an account: the issued public files, in each language.
	seen := map[string]bool{}
	for lang, heading := range words {
		page := s.do("GET", "/api/v1/reports/"+id+"?format=html&lang="+lang, "")
		if page.status != http.StatusOK || !strings.Contains(string(page.body), heading) || strings.Contains(string(page.body), "draft") {
			t.Errorf("issued in %s: %d, heading %q missing or still a draft", lang, page.status, heading)
		}
		pdf := s.do("GET", "/api/v1/reports/"+id+"/download?format=pdf&lang="+lang, "")
		if pdf.status != http.StatusOK || !strings.HasPrefix(string(pdf.body), "%PDF") {
			t.Errorf("issued PDF in %s: %d", lang, pdf.status)
		}
		if seen[string(pdf.body)] {
			t.Errorf("the %s PDF is another language's", lang)
		}
		seen[string(pdf.body)] = true
	}
}
