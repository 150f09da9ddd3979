package api

import (
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/exchange"
	"github.com/truce-monitoring/truce/internal/fusionmodel"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/mapview"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/proof"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/search"
	"github.com/truce-monitoring/truce/internal/statement"
	"github.com/truce-monitoring/truce/internal/transit"
	"github.com/truce-monitoring/truce/internal/witnessclient"

	"github.com/truce-monitoring/truce/internal/account"
)

// Document returns the OpenAPI document of every route a fully configured
// server registers, without a database: the services are placeholders
// that are registered, never called. `truce openapi` prints it, and a test
// checks that it lists the same operations as a running server's.
func Document(version string) map[string]any {
	return OpenAPI(documentRoutes(version), version)
}

// documentRoutes are the routes of a server with every service.
func documentRoutes(version string) []Route {
	s := New(Deps{
		Agreements: new(agreement.Service), Geo: new(geo.Service), Accounts: new(account.Service),
		Incidents: new(incident.Service), Statements: new(statement.Service), Mines: new(mines.Service),
		Detainees: new(detainee.Service), Returns: new(returns.Service), Transit: new(transit.Service),
		Reports: new(report.Service), Search: new(search.Service), Exchange: new(exchange.Service),
		Proofs: new(proof.Service), Records: new(record.Registry), Map: new(mapview.Service),
		Witnesses: new(witnessclient.Service), FusionModel: new(fusionmodel.Service), Version: version,
	})
	return s.routes
}
