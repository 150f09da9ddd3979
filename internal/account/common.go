package account

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"slices"
	"strings"
	"sync"
)

// commonPasswordsGz is a list of common passwords, one a line, lower-cased
// and sorted bytewise: @zxcvbn-ts/language-common's (MIT; see
// commonpw/LICENCE and commonpw/VERSION), refreshed by
// scripts/passwords.sh.
//
//go:embed commonpw/passwords.txt.gz
var commonPasswordsGz []byte

// commonPasswords is the list, read once on first use. It is fixed data,
// not configuration.
var commonPasswords = sync.OnceValue(func() []string {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("account: the embedded list of common passwords is damaged: " + err.Error())
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		panic("account: the embedded list of common passwords is damaged: " + err.Error())
	}
	list := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if !slices.IsSorted(list) {
		slices.Sort(list) // a hand-edited list still works
	}
	return list
})

// isCommonPassword reports whether password, ignoring case and the spaces
// around it, is in the list of common passwords.
func isCommonPassword(password string) bool {
	p := strings.ToLower(strings.TrimSpace(password))
	_, found := slices.BinarySearch(commonPasswords(), p)
	return found
}
