package web

import "net/url"

// recordPages are the pages of the kinds of record that have one.
var recordPages = map[string]string{
	"allegation": "/allegations/", "observation": "/observations/", "incident": "/incidents/",
	"statement": "/statements/", "detainee": "/detainees/", "exchange": "/exchanges/",
	"minefield": "/minefields/", "agreement": "/agreements/",
}

// RecordPath is the address of a record's page; a record of a kind with
// no page of its own opens on its history. Templates call it recordpath.
func RecordPath(kind, id string) string {
	if p, ok := recordPages[kind]; ok && id != "" {
		return p + url.PathEscape(id)
	}
	return "/history/" + url.PathEscape(kind) + "/" + url.PathEscape(id)
}
