package ui

import (
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/truce-monitoring/truce/internal/fusionmodel"
	"github.com/truce-monitoring/truce/internal/web"
)

// The fusion model's page: the mission's model of its noise in words, its
// version, when and from how much data it was fitted, and its history; a
// button for analysts to refit it now. Linked from the review queue.

func (s *Pages) fusionModelPages(page func(method, path string, h http.HandlerFunc)) {
	page("GET", "/fusion-model", s.fusionModelPage)
	page("POST", "/fusion-model/refit", s.fusionModelRefit)
}

type fusionModelData struct {
	Current  fusionmodel.Stored
	Words    []string
	History  []fusionModelVersion // earlier versions, newest first
	MayRefit bool
}

type fusionModelVersion struct {
	fusionmodel.Stored
	Words []string
}

func (s *Pages) fusionModelPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "fusion.title", "review")
	if !ok {
		return
	}
	cur, err := s.FusionModel.Current(r.Context(), p)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	hist, err := s.FusionModel.History(r.Context(), p)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d := fusionModelData{Current: cur, Words: s.modelWords(pg, cur), MayRefit: s.FusionModel.MayRefit(p) == nil}
	for _, h := range hist {
		if h.Version != cur.Version {
			d.History = append(d.History, fusionModelVersion{Stored: h, Words: s.modelWords(pg, h)})
		}
	}
	pg.Data = d
	s.render.Render(w, http.StatusOK, "fusion_model", pg)
}

func (s *Pages) fusionModelRefit(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "fusion.title", "review", "")
	if !ok {
		return
	}
	if _, err := s.FusionModel.Refit(r.Context(), p, "refit from the page"); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	s.done(w, r, "/fusion-model", "fusion.refit.done")
}

// modelWords says the model in the reader's language. The model speaks
// English (fusion.Model.Describe); each sentence that matches one of the
// catalogue's English fusion.describe.* messages is said again with the
// reader's language's message and the same values; any other stays as the
// model said it.
func (s *Pages) modelWords(pg *web.Page, st fusionmodel.Stored) []string {
	en := st.Describe("en")
	if pg.Lang == "en" {
		return en
	}
	pats := describePatterns(s.render.Catalog)
	out := make([]string, len(en))
	for i, sentence := range en {
		out[i] = sentence
		for _, pt := range pats {
			m := pt.re.FindStringSubmatch(sentence)
			if m == nil {
				continue
			}
			args := make([]any, 0, 2*len(pt.names))
			for j, name := range pt.names {
				v := m[j+1]
				// Codes the model names are said as the pages say them.
				switch name {
				case "kind":
					v = pg.T("fusion.kind." + v)
				case "category":
					v = pg.T("category." + strings.ReplaceAll(v, " ", "_"))
				}
				args = append(args, name, v)
			}
			out[i] = pg.T(pt.key, args...)
			break
		}
	}
	return out
}

type describePattern struct {
	key   string
	re    *regexp.Regexp
	names []string
}

var (
	describeOnce sync.Once
	describePats []describePattern
)

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// describePatterns turns the English fusion.describe.* messages into
// patterns, each placeholder a group; built once.
func describePatterns(c *web.Catalog) []describePattern {
	describeOnce.Do(func() {
		for _, k := range c.Keys() {
			if !strings.HasPrefix(k, "fusion.describe.") {
				continue
			}
			msg := c.T("en", k)
			var names []string
			re := "^"
			last := 0
			for _, loc := range placeholder.FindAllStringSubmatchIndex(msg, -1) {
				re += regexp.QuoteMeta(msg[last:loc[0]]) + "(.+?)"
				names = append(names, msg[loc[2]:loc[3]])
				last = loc[1]
			}
			re += regexp.QuoteMeta(msg[last:]) + "$"
			describePats = append(describePats, describePattern{key: k, re: regexp.MustCompile(re), names: names})
		}
	})
	return describePats
}
