package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/store"
)

// BenchmarkPages measures each page's server time at the demo's scale:
// the real handler tree, a signed-in analyst's session cookie, no network.
//
//	go test -run '^$' -bench BenchmarkPages -benchtime 200x ./internal/server/
func BenchmarkPages(b *testing.B) {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{Dir: b.TempDir(), Synchronous: "normal", Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	// The whole demo, registries included, so that their pages and the
	// dashboard's latest records read real rows.
	loaded, err := demo.Load(ctx, a.Services.Demo())
	if err != nil {
		b.Fatal(err)
	}
	pw := ""
	for _, acc := range loaded.Accounts {
		if acc.Username == "analyst" {
			pw = acc.Password
		}
	}
	sess, p, err := a.Accounts.Login(ctx, "analyst", pw, "127.0.0.1:1")
	if err != nil {
		b.Fatal(err)
	}
	list, err := a.Incidents.ListIncidents(ctx, p, incident.IncidentFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(list.Items) == 0 {
		b.Fatal("no incident", err)
	}
	inc := list.Items[0].ID
	allegations, err := a.Incidents.ListAllegations(ctx, p, incident.AllegationFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(allegations.Items) == 0 {
		b.Fatal("no allegation", err)
	}
	ex, err := a.Detainees.ListExchanges(ctx, p, detainee.ExchangeFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(ex.Items) == 0 {
		b.Fatal("no exchange", err)
	}
	persons, err := a.Detainees.ListPersons(ctx, p, detainee.PersonFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(persons.Items) == 0 {
		b.Fatal("no detainee", err)
	}
	fields, err := a.Mines.ListMinefields(ctx, p, mines.MinefieldFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(fields.Items) == 0 {
		b.Fatal("no minefield", err)
	}
	statements, err := a.Statements.ListStatements(ctx, p, statement.StatementFilter{}, store.PageRequest{Limit: 1})
	if err != nil || len(statements.Items) == 0 {
		b.Fatal("no statement", err)
	}
	h := a.Server.Handler()
	a.Incidents.WaitIdle()
	for _, pg := range []struct{ name, path string }{
		{"dashboard", "/"},
		{"review", "/review"},
		{"incidents", "/incidents"},
		{"incident", "/incidents/" + inc},
		{"allegation", "/allegations/" + allegations.Items[0].ID},
		{"allegation_new", "/allegations/new"},
		{"observation_new", "/observations/new"},
		{"agreement", "/agreements/" + loaded.Agreement},
		{"history", "/history/incident/" + inc},
		{"reports", "/reports"},
		{"settings", "/settings"},
		{"tokens", "/admin/tokens"},
		{"login", "/login"},
		{"detainees", "/detainees"},
		{"detainee", "/detainees/" + persons.Items[0].ID},
		{"exchanges", "/exchanges"},
		{"exchange", "/exchanges/" + ex.Items[0].ID},
		{"remains", "/remains"},
		{"minefields", "/minefields"},
		{"minefield", "/minefields/" + fields.Items[0].ID},
		{"hazard_areas", "/hazard-areas"},
		{"handovers", "/handovers"},
		{"returns", "/returns"},
		{"return_visits", "/return-visits"},
		{"crossings", "/crossings"},
		{"corridor", "/corridor?at=2021-03-01T10:00:00Z"},
		{"statements", "/statements"},
		{"statement", "/statements/" + statements.Items[0].ID},
		{"sources", "/sources"},
	} {
		b.Run(pg.name, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", pg.path, nil)
				req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: sess.ID})
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", pg.path, rec.Code, rec.Body.String())
				}
			}
		})
	}
}
