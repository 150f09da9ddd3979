package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
)

// CheckName reports whether s is acceptable as a single-line name: a place,
// a person, a unit, a title. It must be valid UTF-8, not blank, at most
// maxLen characters (runes; maxLen <= 0 means no limit), free of control
// characters (tab and newline included) and of the characters CheckText
// forbids, and must not begin or end with whitespace or an invisible
// formatting character.
//
// Every error is errs.Invalid naming field; positions in its message count
// characters from 1. For an optional field, call CheckName only when
// s != "".
func CheckName(field, s string, maxLen int) error {
	if err := check(field, s, maxLen, false); err != nil {
		return err
	}
	first, _ := utf8.DecodeRuneInString(s)
	if isBlankEdge(first) {
		return errs.Invalid(field, "must not begin with %s", describeEdge(first))
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	if isBlankEdge(last) {
		return errs.Invalid(field, "must not end with %s", describeEdge(last))
	}
	return nil
}

// CheckText reports whether s is acceptable as multi-line free text: a
// narrative, a comment, a statement. It must be valid UTF-8, not blank and
// at most maxLen characters (runes; maxLen <= 0 means no limit). Newline
// and tab are its only allowed control characters; a carriage return is
// rejected, so callers taking HTML form input should apply
// [NormalizeNewlines] first.
//
// Rejected in names and text alike, because they change how the
// surrounding text is displayed without being visible themselves:
//   - bidirectional embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069), which can make text read differently from how it is
//     stored ("Trojan Source");
//   - the deprecated format controls U+206A–U+206F and the interlinear
//     annotation controls U+FFF9–U+FFFB;
//   - U+FEFF (byte order mark, zero-width no-break space);
//   - the line and paragraph separators U+2028 and U+2029 (use \n);
//   - Unicode noncharacters (U+FDD0–U+FDEF and U+xxFFFE, U+xxFFFF).
//
// Allowed, because ordinary Arabic, Persian and Indic text needs them: the
// marks LRM, RLM and ALM (U+200E, U+200F, U+061C), and ZWNJ and ZWJ
// (U+200C, U+200D).
//
// Every error is errs.Invalid naming field; positions in its message count
// characters from 1. For an optional field, call CheckText only when
// s != "".
func CheckText(field, s string, maxLen int) error {
	return check(field, s, maxLen, true)
}

func check(field, s string, maxLen int, multiline bool) error {
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return errs.Because(errs.Invalid(field, "is not valid UTF-8 text (bad byte 0x%02X at byte offset %d)", s[i], i), errs.ReasonBadText)
			}
			i += size
		}
	}
	blank := true
	n := 0
	for _, r := range s {
		n++
		if problem := forbidden(r, multiline); problem != "" {
			reason := errs.ReasonBadText
			if (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
				reason = errs.ReasonBidiText
			}
			return errs.Because(errs.Invalid(field, "contains %s at position %d", problem, n), reason, "pos", n)
		}
		if !unicode.IsSpace(r) {
			blank = false
		}
	}
	if blank {
		return errs.Because(errs.Invalid(field, "must not be blank"), errs.ReasonBlank)
	}
	if maxLen > 0 && n > maxLen {
		return errs.TooLong(field, n, maxLen)
	}
	return nil
}

// forbidden describes why r may not appear, or returns "" when it may.
func forbidden(r rune, multiline bool) string {
	switch {
	case r == '\n' || r == '\t':
		if multiline {
			return ""
		}
		return fmt.Sprintf("a line break or tab (%U); it must be a single line", r)
	case r == '\r':
		return "a carriage return (U+000D); line breaks must be \\n alone"
	case r < 0x20 || (r >= 0x7F && r <= 0x9F):
		return fmt.Sprintf("a control character %U", r)
	case r >= 0x202A && r <= 0x202E:
		return fmt.Sprintf("a bidirectional embedding or override character %U", r)
	case r >= 0x2066 && r <= 0x2069:
		return fmt.Sprintf("a bidirectional isolate character %U", r)
	case r >= 0x206A && r <= 0x206F, r >= 0xFFF9 && r <= 0xFFFB:
		return fmt.Sprintf("an invisible formatting character %U", r)
	case r == 0xFEFF:
		return "a byte order mark (U+FEFF)"
	case r == 0x2028 || r == 0x2029:
		return fmt.Sprintf("a Unicode line or paragraph separator %U; use \\n", r)
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE:
		return fmt.Sprintf("a Unicode noncharacter %U", r)
	}
	return ""
}

// isBlankEdge reports whether r may not begin or end a name.
func isBlankEdge(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}

func describeEdge(r rune) string {
	if unicode.IsSpace(r) {
		return fmt.Sprintf("whitespace (%U)", r)
	}
	return fmt.Sprintf("an invisible formatting character (%U)", r)
}

// NormalizeNewlines turns CRLF and lone CR line endings into LF, the only
// line ending CheckText accepts. Browsers submit textarea contents with CRLF.
func NormalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
