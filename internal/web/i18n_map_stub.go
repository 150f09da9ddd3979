package web

import (
	_ "embed"
	"encoding/json"
)

// TEMPORARY (branch webmap): the English map messages, for the server's
// stub of page.T until the i18n machinery of branch web is merged; the
// lead deletes this file at the merge.
//
//go:embed i18n/map.en.json
var mapMessagesEN []byte

// MapMessagesStub returns the English map messages.
func MapMessagesStub() map[string]string {
	m := map[string]string{}
	if err := json.Unmarshal(mapMessagesEN, &m); err != nil {
		panic(err) // embedded at build time: a broken file is a build defect
	}
	return m
}
