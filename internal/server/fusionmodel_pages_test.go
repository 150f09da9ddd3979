package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/fusionmodel"
)

// The fusion model's page: linked from the review queue, the model in
// words in the reader's language, its version and data, its history; the
// refit button for analysts only (this build has no fitting: the refit is
// refused, and nothing changes).
func TestFusionModelPage(t *testing.T) {
	s := start(t)
	analyst := s.browser(t, "analyst")
	if q := analyst.get("/review"); !strings.Contains(q.body, `href="/fusion-model"`) {
		t.Fatal("the review queue does not link the fusion model")
	}
	p := analyst.get("/fusion-model")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="model-none"`) || !strings.Contains(p.body, "hand-set defaults") || !strings.Contains(p.body, `id="model-refit"`) {
		t.Fatalf("before any model: %d %.300s", p.status, p.body)
	}
	// An analyst sets a model (as fitted elsewhere); the page shows it.
	m := fusion.DefaultModel()
	m.Fitted = fusion.FitInfo{Reports: 12345, Labels: 67, Iterations: 4}
	raw, _ := json.Marshal(m)
	ana := access.Principal{UserID: "usr_test_analyst", Username: "analyst", Roles: []access.Role{access.Analyst}, Via: "test"}
	if _, err := s.app.FusionModel.Set(context.Background(), ana, fusionmodel.SetInput{Model: raw, Reason: "fitted offline"}); err != nil {
		t.Fatal(err)
	}
	p = analyst.get("/fusion-model")
	if !strings.Contains(p.body, "12,345") || !strings.Contains(p.body, "/history/fusion_model/"+fusionmodel.MissionID) {
		t.Fatalf("after a model was set: %.2000s", p.body)
	}
	// Its history is the log's, like any record's.
	if h := analyst.get("/history/fusion_model/" + fusionmodel.MissionID); h.status != http.StatusOK {
		t.Errorf("the model's history page: %d", h.status)
	}
	// In Russian and Arabic, the model's sentences too.
	for lang, want := range map[string]string{"ru": "Обучена на 12345 сообщениях", "ar": "دُرّب على 12345"} {
		req, _ := http.NewRequest("GET", s.url+"/fusion-model", nil)
		ro := s.browser(t, "observer")
		req.Header.Set("Accept-Language", lang)
		if p := ro.send(req); !strings.Contains(p.body, want) {
			t.Errorf("%s: the model is not said in the reader's language: %.3000s", lang, p.body)
		}
	}
	// A side's liaison reads it; only analysts see the refit button.
	if p := s.browser(t, "liaison-az").get("/fusion-model"); p.status != http.StatusOK || strings.Contains(p.body, `id="model-refit"`) {
		t.Errorf("liaison: %d, refit button %v", p.status, strings.Contains(p.body, `id="model-refit"`))
	}
	csrf := hidden(analyst.get("/fusion-model").body).Get("csrf")
	res := analyst.post("/fusion-model/refit", url.Values{"csrf": {csrf}})
	if res.status != http.StatusSeeOther {
		t.Errorf("refit: %d %.300s", res.status, res.body)
	}
	if st, _ := s.app.FusionModel.Current(context.Background(), ana); st.Version != 2 || st.Model.Fitted.Reports == 0 {
		t.Errorf("after a refit the model is version %d fitted on %d reports, want version 2 fitted on the demo's", st.Version, st.Model.Fitted.Reports)
	}
}

// The fusion model through the API: every account reads it; analysts set
// it; a model that does not check is refused with the field named.
func TestFusionModelAPI(t *testing.T) {
	s := start(t)
	if res := s.with("liaison-am").do("GET", "/api/v1/fusion-model", ""); res.status != http.StatusOK || !strings.Contains(string(res.body), `"version":0`) {
		t.Fatalf("read before any model: %d %s", res.status, res.body)
	}
	bad := s.with("analyst").do("PUT", "/api/v1/fusion-model", `{"model":{"version":1,"fitted":{"reports":-1}},"version":0}`)
	if bad.status != http.StatusBadRequest || !strings.Contains(string(bad.body), "model.fitted.reports") {
		t.Errorf("a model with negative counts: %d %s", bad.status, bad.body)
	}
	if res := s.with("liaison-az").do("PUT", "/api/v1/fusion-model", `{"model":{"version":1},"version":0}`); res.status < 400 {
		t.Errorf("a liaison set the model: %d", res.status)
	}
	if res := s.with("analyst").do("PUT", "/api/v1/fusion-model", `{"model":{"version":1,"fitted":{"reports":5}},"version":0,"reason":"test"}`); res.status != http.StatusOK || !strings.Contains(string(res.body), `"version":1`) {
		t.Fatalf("set: %d %s", res.status, res.body)
	}
	if res := s.with("analyst").do("PUT", "/api/v1/fusion-model", `{"model":{"version":1},"version":0}`); res.status != http.StatusConflict {
		t.Errorf("a stale version: %d %s", res.status, res.body)
	}
	if res := s.with("observer").do("GET", "/api/v1/fusion-model/history", ""); res.status != http.StatusOK || strings.Count(string(res.body), `"fitted_at"`) != 1 {
		t.Errorf("history: %d %s", res.status, res.body)
	}
}
