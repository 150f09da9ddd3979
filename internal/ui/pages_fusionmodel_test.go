package ui

import (
	"testing"

	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/web"
)

// Every sentence the model says of itself in English has a message in the
// catalogue, so the fusion model's page says it in the reader's language
// (a sentence without one would stay in English on a Russian page).
func TestEveryModelSentenceHasAMessage(t *testing.T) {
	c, err := web.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	pats := describePatterns(c)
	fitted := fusion.DefaultModel()
	fitted.LocationErrM = map[string]float64{fusion.PlaceExact: 500, fusion.PlaceNear: 3000, fusion.PlaceDistrict: 9000, fusion.PlaceRegion: 30000}
	fitted.TimeErrMin = map[string]float64{fusion.TimeExact: 12, fusion.TimeWindow: 20, fusion.TimeDay: 60}
	fitted.Confusion = map[string]map[string]float64{"shelling": {"shelling": 0.8}}
	fitted.SourceRate = map[string]float64{"media": 0.3}
	fitted.CopyRate = 0.4
	fitted.Fitted = fusion.FitInfo{Reports: 10, Labels: 2, Iterations: 2}
	for _, m := range []fusion.Model{fusion.DefaultModel(), fitted} {
		for _, s := range m.Describe("en") {
			found := false
			for _, p := range pats {
				if p.re.MatchString(s) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("no fusion.describe.* message says %q", s)
			}
		}
	}
}
