package server

import (
	"log/slog"
	"strings"
	"sync"

	"github.com/truce-monitoring/truce/internal/web"
)

// TEMPORARY (branch webmap): page.T and page.Asset as the contract with
// branch web names them, so that the map page renders before the merge.
// The lead deletes this file (and internal/web/i18n_map_stub.go) when the
// web branch's own page.T and page.Asset arrive.

var stubMessages = sync.OnceValue(web.MapMessagesStub)

var stubAssets = sync.OnceValue(func() *web.Assets {
	rd, err := web.NewRenderer(slog.New(slog.DiscardHandler))
	if err != nil {
		panic(err)
	}
	return rd.Assets
})

// T translates key (English only in the stub), filling {name} placeholders
// from pairs of arguments.
func (p page) T(key string, args ...any) string {
	s, ok := stubMessages()[key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(args); i += 2 {
		name, _ := args[i].(string)
		s = strings.ReplaceAll(s, "{"+name+"}", stringOf(args[i+1]))
	}
	return s
}

// Asset returns the hashed URL of a static file.
func (p page) Asset(name string) string { return stubAssets().URL(name) }
