// Package text holds the rules Truce applies to human-written strings: how
// they are folded for search and which characters they may contain.
//
// Names and free text arrive in Azerbaijani, Armenian, Russian, English,
// Arabic, Persian and more, typed on whatever keyboard was to hand, so
// search must not depend on case or diacritics, and stored text must not
// carry invisible characters that change how it is displayed.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Fold returns s in the form used to compare strings for search: it ignores
// case and diacritics in every script, so "Ağdam", "AGDAM" and "agdam" fold
// alike, as do "Şuşa" and "susa", "Ханкенди" and "ХАНКЕНДИ", and "أَغْدَام"
// and "أغدام".
//
// Steps: Unicode case folding, NFKD decomposition (which also maps
// compatibility forms such as ligatures, full-width letters and no-break
// spaces to their plain forms), removal of nonspacing and enclosing marks
// (accents, cedillas, Arabic harakat, the hamza of أ), removal of format
// characters (ZWJ, ZWNJ, LRM, soft hyphen, bidi controls) and of the Arabic
// tatweel, then every run of whitespace or control characters becomes one
// space and the ends are trimmed.
//
// Letters that are distinct letters rather than a base letter plus a mark
// stay distinct: "ə" does not fold to "e", nor "ø" to "o". Two exceptions
// are made because they are casing artefacts: dotless "ı" folds to "i", so
// that "ISMAYILLI" (typed without a Turkic keyboard) finds "İsmayıllı"; and
// the turned "ǝ" (U+01DD, lower case of U+018E "Ǝ", often typed for the
// Azerbaijani capital schwa) folds to the schwa "ə".
//
// Invalid UTF-8 bytes become U+FFFD. Folding loses information; use it only to build search keys, never to
// change what is stored or shown. Fold(Fold(s)) == Fold(s) for all s.
func Fold(s string) string {
	// Folding is local to the text between ASCII spaces and controls (case
	// folding maps letter by letter, and a decomposition or a combining
	// sequence never spans a space), so each such field is folded alone and
	// the folded fields are joined by one space. A field of ASCII alone only
	// needs its capitals lowered, which spares the Unicode tables for most
	// words of most texts: search indexes every text of every record, and
	// verify folds them all again.
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		start := 0
		for start < len(s) && isASCIISpace(s[start]) {
			start++
		}
		end, ascii := start, true
		for end < len(s) && !isASCIISpace(s[end]) {
			ascii = ascii && s[end] < utf8.RuneSelf
			end++
		}
		field := s[start:end]
		s = s[end:]
		if field == "" {
			continue
		}
		if !ascii {
			field = foldUnicode(field)
			if field == "" {
				continue
			}
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if ascii {
			for i := 0; i < len(field); i++ {
				c := field[i]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				b.WriteByte(c)
			}
		} else {
			b.WriteString(field)
		}
	}
	return b.String()
}

// isASCIISpace reports an ASCII byte that Fold turns into a word break:
// white space or a control character.
func isASCIISpace(c byte) bool { return c <= ' ' || c == 0x7f }

// foldUnicode folds s by the full steps of Fold.
func foldUnicode(s string) string {
	// One pass is not always a fixed point: folding can produce a letter
	// that decomposes ("İ" folds to "i" + U+0307), and decomposition can
	// produce a letter that folds again. Two passes settle every case the
	// fuzzer has found; the loop makes idempotence hold by construction.
	for range 4 {
		folded := foldOnce(s)
		if folded == s {
			break
		}
		s = folded
	}
	return s
}

func foldOnce(s string) string {
	// A Caser carries state, so each call gets its own.
	s = cases.Fold().String(s)
	s = norm.NFKD.String(s)

	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.Is(unicode.Cc, r):
			pendingSpace = b.Len() > 0
			continue
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
			continue
		case r == '\u0640': // Arabic tatweel only stretches a word visually.
			continue
		case r == 'ı':
			r = 'i'
		case r == 'ǝ':
			r = 'ə'
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
