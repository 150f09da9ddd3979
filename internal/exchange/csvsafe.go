package exchange

import "strconv"

// A spreadsheet reads a cell that begins with =, +, -, @, a tab or a
// carriage return as a formula, so a text written by anyone (an
// allegation's narrative, a place's name) could run a formula on the
// analyst's machine when the export is opened. Every CSV Truce writes
// therefore puts an apostrophe before such a text — the mark spreadsheets
// themselves use for "this is text" — and every CSV it reads takes one
// apostrophe off again. A number such as -12.5 is left alone: it is not a
// formula. A text that already begins with an apostrophe followed by one
// of those characters or by another apostrophe gets one more, so reading
// gives back exactly what was written.

// formulaLead reports whether a cell beginning with c may be taken for a
// formula.
func formulaLead(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// guardCell returns s as a CSV cell that no spreadsheet takes for a
// formula.
func guardCell(s string) string {
	if s == "" {
		return s
	}
	switch {
	case formulaLead(s[0]):
		if (s[0] == '-' || s[0] == '+') && isNumber(s) {
			return s
		}
	case s[0] == '\'' && len(s) > 1 && (formulaLead(s[1]) || s[1] == '\''):
	default:
		return s
	}
	return "'" + s
}

// unguardCell undoes guardCell.
func unguardCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && (formulaLead(s[1]) || s[1] == '\'') {
		return s[1:]
	}
	return s
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
