package ui

import (
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/web"
)

// explain says in the page's language what is wrong with err, each of
// its errors by its reason (or, without one, by its kind), never the
// service's English message: a page shows nothing in English on a
// Russian or Arabic page.
func explain(pg *web.Page, err error) string {
	all := errs.All(err)
	if len(all) == 0 {
		return pg.T("error.internal.text")
	}
	parts := make([]string, 0, len(all))
	for _, e := range all {
		msg := pg.Explain(e)
		if l := pg.FieldLabel(e.Field); l != "" {
			msg = l + ": " + msg
		}
		parts = append(parts, msg)
	}
	return strings.Join(parts, "; ")
}
