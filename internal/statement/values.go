package statement

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/text"
)

// Limits on input sizes.
const (
	MaxName    = 300    // speakers, outlets, titles: runes
	MaxText    = 10_000 // a summary, notes: runes
	MaxURL     = 2000   // bytes
	MaxRefs    = 50     // provisions or sources of one statement
	MaxSummary = 20     // summaries (languages) of one statement
	maxTag     = 35     // a BCP 47 tag, bytes (RFC 5646 section 4.4.1)
)

// Date precisions: a date given as YYYY-MM-DD, or a full RFC 3339 time.
const (
	PrecisionDay  = "day"
	PrecisionTime = "time"
)

// timeText is how times are kept in projection columns: UTC, to the
// second, fixed width so that text order is time order.
const timeText = "2006-01-02T15:04:05Z"

// parseDate reads a date as YYYY-MM-DD (kept as 00:00:00Z of that day) or
// as an RFC 3339 time (kept in UTC, to the second).
func parseDate(field, s string) (time.Time, string, error) {
	if s == "" {
		return time.Time{}, "", errs.Because(errs.Invalid(field, "is required: a date such as 2021-08-31 or a time such as 2021-08-31T10:00:00Z"), errs.ReasonRequired)
	}
	var t time.Time
	var err error
	precision := PrecisionDay
	if len(s) == len("2006-01-02") {
		t, err = time.Parse("2006-01-02", s)
	} else {
		precision = PrecisionTime
		t, err = time.Parse(time.RFC3339, s)
	}
	if err != nil {
		return time.Time{}, "", errs.Because(errs.Invalid(field, "must be a date such as 2021-08-31 or an RFC 3339 time such as 2021-08-31T10:00:00Z"), errs.ReasonNotADate)
	}
	t = t.UTC().Truncate(time.Second)
	if y := t.Year(); y < 1900 || y > 9999 {
		return time.Time{}, "", errs.Invalid(field, "must be between the years 1900 and 9999")
	}
	return t, precision, nil
}

// formatDate is the inverse of parseDate, for showing a date as given.
func formatDate(t time.Time, precision string) string {
	if precision == PrecisionDay {
		return t.UTC().Format("2006-01-02")
	}
	return t.UTC().Format(time.RFC3339)
}

// checkNotFuture refuses a date after now (with ClockSkew); a day is in
// the future only when it begins after now.
func checkNotFuture(field string, t, now time.Time) error {
	if t.After(now.Add(ClockSkew)) {
		return errs.Because(errs.Invalid(field, "is in the future (%s)", t.Format(time.RFC3339)), errs.ReasonInFuture)
	}
	return nil
}

// parseLanguage checks a BCP 47 language tag against the IANA registry
// and returns its canonical form ("EN-us" → "en-US", "ar" → "ar"). The
// undetermined language "und" is refused: a statement or a source is in
// some language.
func parseLanguage(field, s string) (string, error) {
	if s == "" {
		return "", errs.Because(errs.Invalid(field, "is required: a BCP 47 language tag such as en, ru, ar or hy-AM"), errs.ReasonRequired)
	}
	if len(s) > maxTag {
		return "", errs.Because(errs.Invalid(field, "is longer than %d bytes; a BCP 47 tag such as en, ru, ar or hy-AM is expected", maxTag), errs.ReasonTooLong, "max", maxTag)
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", errs.Invalid(field, "%q is not a BCP 47 language tag such as en, ru, ar or hy-AM", s)
	}
	canon := tag.String()
	if canon == "und" || strings.HasPrefix(canon, "und-") {
		return "", errs.Invalid(field, "%q names no language; give one such as en, ru, ar or hy-AM", s)
	}
	// Canonical forms must parse back to themselves, or a stored tag would
	// read differently from the one checked.
	if again, err := language.Parse(canon); err != nil || again.String() != canon {
		return "", errs.Invalid(field, "%q has no stable canonical form; give a plain tag such as en, ru, ar or hy-AM", s)
	}
	return canon, nil
}

// checkHTTPURL accepts an absolute http or https URL with a host and no
// credentials, at most MaxURL bytes, free of the characters names refuse.
func checkHTTPURL(field, s string) error {
	if s == "" {
		return errs.Because(errs.Invalid(field, "is required"), errs.ReasonRequired)
	}
	if len(s) > MaxURL {
		return errs.Because(errs.Invalid(field, "is longer than %d bytes", MaxURL), errs.ReasonTooLong, "max", MaxURL)
	}
	if err := text.CheckName(field, s, 0); err != nil {
		return err
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return errs.Invalid(field, "must be an http or https URL such as https://news.example/article")
	}
	if u.User != nil {
		return errs.Invalid(field, "must not carry a user name or password")
	}
	return nil
}

// contentHash returns the SHA-256 (lower-case hex) of an article: the one
// given, the one computed from the text given, or both when they agree.
func contentHash(hashField, given, textField, body string) (string, error) {
	if given != "" {
		if len(given) != sha256.Size*2 || strings.ToLower(given) != given {
			return "", errs.Invalid(hashField, "must be a SHA-256 in lower-case hex (64 characters)")
		}
		if _, err := hex.DecodeString(given); err != nil {
			return "", errs.Invalid(hashField, "must be a SHA-256 in lower-case hex (64 characters)")
		}
	}
	if body == "" {
		return given, nil
	}
	sum := sha256.Sum256([]byte(body))
	computed := hex.EncodeToString(sum[:])
	if given != "" && given != computed {
		return "", errs.Invalid(textField, "hashes to %s, not to the %s given (%s)", computed, hashField, given)
	}
	return computed, nil
}

// checkRef checks the form of a record id that must begin with prefix and
// an underscore; whether the record exists is checked on write.
func checkRef(field, id, prefix, what string) error {
	if id == "" {
		return errs.Because(errs.Invalid(field, "is required: the id of %s", what), errs.ReasonRequired)
	}
	rest, ok := strings.CutPrefix(id, prefix+"_")
	if !ok || !isIDChars(rest) || len(id) > 64 {
		return errs.Because(errs.Invalid(field, "is not the id of %s (such ids begin with %s_)", what, prefix), errs.ReasonNotAnID)
	}
	return nil
}

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

// checkRefList checks a list of ids: at most MaxRefs, each well formed and
// listed once.
func checkRefList(field string, ids []string, prefix, what string) error {
	if len(ids) > MaxRefs {
		return errs.Invalid(field, "lists %d ids; at most %d are allowed", len(ids), MaxRefs)
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := checkRef(f, id, prefix, what); err != nil {
			return err
		}
		if seen[id] {
			return errs.Invalid(f, "lists %s a second time", id)
		}
		seen[id] = true
	}
	return nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
