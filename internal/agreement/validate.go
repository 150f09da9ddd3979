package agreement

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/text"
)

// Limits on input sizes.
const (
	MaxName      = 300    // names, titles, short texts: runes
	MaxShortName = 50     // an organisation's short name, a unit: runes
	MaxNumber    = 32     // a provision number such as "6.2": runes
	MaxText      = 10_000 // summaries and notes: runes
	MaxURL       = 2000   // bytes
	MaxRefs      = 50     // organisations in one list
	MaxItems     = 100    // deadlines, quantities, names per language, evidence items
	MaxHistory   = 1000   // status events of one provision
	MaxQuantity  = 1e15
)

const timeHint = "must be an RFC 3339 time such as 2020-11-09T21:00:00Z"

// colTime is the layout of times in projection columns: fixed width and
// UTC, so that text order is time order.
const colTime = "2006-01-02T15:04:05.000000000Z"

func formatCol(t time.Time) string { return t.UTC().Format(colTime) }

// parseTime parses a required RFC 3339 time and returns it in UTC.
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errs.Invalid(field, "is required; it %s", timeHint)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errs.Invalid(field, "%s", timeHint)
	}
	t = t.UTC()
	// A time near the ends of years 0000 or 9999 with an offset can fall
	// outside them in UTC, where JSON cannot encode it.
	if y := t.Year(); y < 1900 || y > 9999 {
		return time.Time{}, errs.Invalid(field, "must be between the years 1900 and 9999")
	}
	return t, nil
}

// parseOptionalTime is parseTime for a field that may be empty.
func parseOptionalTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseTime(field, s)
}

func checkName(field, s string) error { return text.CheckName(field, s, MaxName) }

func checkOptionalName(field, s string, max int) error {
	if s == "" {
		return nil
	}
	return text.CheckName(field, s, max)
}

func checkOptionalText(field, s string) error {
	if s == "" {
		return nil
	}
	return text.CheckText(field, s, MaxText)
}

// checkHTTPURL accepts an absolute http or https URL with a host and no
// credentials.
func checkHTTPURL(field, s string) error {
	if s == "" {
		return errs.Invalid(field, "is required")
	}
	if len(s) > MaxURL {
		return errs.Invalid(field, "is longer than %d bytes", MaxURL)
	}
	if err := text.CheckName(field, s, 0); err != nil {
		return err
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return errs.Invalid(field, "must be an http or https URL such as https://example.org/statement")
	}
	if u.User != nil {
		return errs.Invalid(field, "must not carry a user name or password")
	}
	return nil
}

// checkRef checks the form of a record id that must begin with prefix and
// an underscore; whether the record exists is checked in the write
// transaction.
func checkRef(field, id, prefix, what string) error {
	if id == "" {
		return errs.Invalid(field, "is required: the id of %s", what)
	}
	rest, ok := strings.CutPrefix(id, prefix+"_")
	if !ok || !isIDChars(rest) || len(id) > 64 {
		return errs.Invalid(field, "is not the id of %s (ids of %ss begin with %s_)", what, entityWord(prefix), prefix)
	}
	return nil
}

func entityWord(prefix string) string {
	switch prefix {
	case orgPrefix:
		return "organisation"
	case agreementPrefix:
		return "agreement"
	case provisionPrefix:
		return "provision"
	case evidencePrefix:
		return "evidence link"
	}
	return prefix
}

// isIDChars reports whether s is a non-empty run of the characters record
// ids are made of after their prefix.
func isIDChars(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// checkRecordRef checks a reference to a record of any kind, such as an
// incident cited as evidence: prefix, underscore, id characters.
func checkRecordRef(field, ref string) error {
	prefix, rest, ok := strings.Cut(ref, "_")
	if !ok || len(ref) > 64 || len(prefix) < 2 || len(prefix) > 8 || !isLower(prefix) || !isIDChars(rest) {
		return errs.Invalid(field, "must be a record id such as inc_0123456789abcdefghjk")
	}
	return nil
}

func isLower(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// checkRefList checks a list of organisation ids: at least min, at most
// MaxRefs, each well formed and listed once.
func checkRefList(field string, ids []string, min int) error {
	if len(ids) < min {
		return errs.Invalid(field, "must list at least %d organisation", min)
	}
	if len(ids) > MaxRefs {
		return errs.Invalid(field, "lists %d organisations; at most %d are allowed", len(ids), MaxRefs)
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		f := indexed(field, i)
		if err := checkRef(f, id, orgPrefix, "an organisation"); err != nil {
			return err
		}
		if seen[id] {
			return errs.Invalid(f, "lists %s a second time", id)
		}
		seen[id] = true
	}
	return nil
}

func indexed(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

// checkLanguageTag accepts the shape of a BCP 47 tag: a 2–3 letter
// lower-case language, then subtags of 1–8 letters or digits ("hy",
// "az-Latn", "ru-RU").
func checkLanguageTag(tag string) bool {
	if len(tag) > 35 {
		return false
	}
	parts := strings.Split(tag, "-")
	if len(parts[0]) < 2 || len(parts[0]) > 3 || !isLower(parts[0]) {
		return false
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 8 {
			return false
		}
		for _, r := range p {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}

// isoCountries holds the officially assigned ISO 3166-1 alpha-2 codes.
// User-assigned codes (XK and the like) are not accepted.
var isoCountries = func() map[string]bool {
	const codes = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
		BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
		CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
		DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
		GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
		HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
		KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
		MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
		NA NC NE NF NG NI NL NO NP NR NU NZ OM
		PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
		SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
		TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
		UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`
	m := map[string]bool{}
	for _, c := range strings.Fields(codes) {
		m[c] = true
	}
	return m
}()

func checkCountry(field, c string) error {
	if !isoCountries[c] {
		return errs.Invalid(field, "must be an ISO 3166-1 alpha-2 country code in capitals, such as AZ or AM")
	}
	return nil
}
