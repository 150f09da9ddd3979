package ui

import (
	"testing"

	"github.com/truce-monitoring/truce/internal/web"
)

// TestPluralForm checks the CLDR rules the confirmations use (web.PluralForm).
func TestPluralForm(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "other"}, {"en", 1, "one"}, {"en", 2, "other"}, {"en", 11, "other"},
		{"ru", 1, "one"}, {"ru", 21, "one"}, {"ru", 11, "many"}, {"ru", 2, "few"}, {"ru", 24, "few"},
		{"ru", 12, "many"}, {"ru", 14, "many"}, {"ru", 5, "many"}, {"ru", 0, "many"}, {"ru", 111, "many"}, {"ru", 101, "one"},
		{"ar", 0, "zero"}, {"ar", 1, "one"}, {"ar", 2, "two"}, {"ar", 3, "few"}, {"ar", 10, "few"}, {"ar", 103, "few"},
		{"ar", 11, "many"}, {"ar", 99, "many"}, {"ar", 100, "other"}, {"ar", 102, "other"},
	} {
		if got := web.PluralForm(c.lang, int64(c.n)); got != c.want {
			t.Errorf("PluralForm(%s, %d) = %s, want %s", c.lang, c.n, got, c.want)
		}
	}
}
