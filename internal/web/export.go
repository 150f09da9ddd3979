package web

import (
	"html/template"
	"net/url"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/exchange"
)

// pageFilterNames maps a list page's filter names to its export's where
// they differ (the registry pages use shorter names than their API).
var pageFilterNames = map[string]map[string]string{
	exchange.TableReturns:   {"destination": "destination_place_id"},
	exchange.TableCrossings: {"checkpoint": "checkpoint_id"},
}

// ExportURL is the address of the export of kind in format with this
// page's filters: the list's order and page are left out, and so is any
// filter the export does not know.
func (p *Page) ExportURL(kind, format string) string {
	q := url.Values{}
	if u, err := url.Parse(p.URI); err == nil {
		known := exchange.FilterParams(kind)
		for name, vs := range u.Query() {
			if n, ok := pageFilterNames[kind][name]; ok {
				name = n
			}
			if len(vs) == 0 || vs[0] == "" || !slices.Contains(known, name) {
				continue
			}
			v := vs[0]
			if name == "flagged" && v == "1" {
				v = "true"
			}
			q.Set(name, v)
		}
	}
	q.Set("format", format)
	return "/api/v1/export/" + url.PathEscape(kind) + "?" + q.Encode()
}

// exportFormats are the formats the download menu offers for kind: the
// ACLED and UCDP layouts only for events.
func exportFormats(kind string) []string {
	var out []string
	for _, f := range exchange.ExportFormats {
		if (f == exchange.FormatACLED || f == exchange.FormatUCDP) && kind != exchange.TableAllegations && kind != exchange.TableIncidents {
			continue
		}
		out = append(out, f)
	}
	return out
}

// ExportMenu is the download menu of a list page (or of the map, with
// several kinds): one link per kind and format to the export with the
// page's filters.
func (p *Page) ExportMenu(kinds ...string) template.HTML {
	var b strings.Builder
	b.WriteString(`<details class="export-menu"><summary>`)
	b.WriteString(template.HTMLEscapeString(p.T("export.download")))
	b.WriteString(`</summary><ul>`)
	for _, kind := range kinds {
		for _, f := range exportFormats(kind) {
			label := p.T("export.format." + f)
			if len(kinds) > 1 {
				label = p.T("export.table."+kind) + " · " + label
			}
			b.WriteString(`<li><a href="`)
			b.WriteString(template.HTMLEscapeString(p.ExportURL(kind, f)))
			b.WriteString(`" download>`)
			b.WriteString(template.HTMLEscapeString(label))
			b.WriteString(`</a></li>`)
		}
	}
	b.WriteString(`</ul></details>`)
	return template.HTML(b.String())
}
