package demo

import (
	"regexp"
	"testing"
)

var arabicScript = regexp.MustCompile(`^[\x{0600}-\x{06FF} ]+$`)

// Every place of the scenario has a name in Arabic script, and one for
// each side that names it in its own way, so that an Arabic page shows no
// place in Latin script and mission staff see both sides' names.
func TestEveryPlaceHasArabicNames(t *testing.T) {
	for _, p := range places {
		ar := arabicNames[p.key]
		if len(ar) == 0 {
			t.Errorf("%s has no Arabic name", p.key)
			continue
		}
		parties := map[string]bool{}
		for _, n := range ar {
			if n.lang != "ar" || !arabicScript.MatchString(n.name) {
				t.Errorf("%s: %q (%s) is not a name in Arabic script", p.key, n.name, n.lang)
			}
			parties[n.party] = true
		}
		for _, n := range p.names {
			if n.lang == "en" && n.party != "" && !parties[n.party] && !parties[""] {
				t.Errorf("%s: no Arabic name as %s calls it", p.key, n.party)
			}
		}
	}
	for key := range arabicNames {
		found := false
		for _, p := range places {
			found = found || p.key == key
		}
		if !found {
			t.Errorf("Arabic names for %s, which is no place of the scenario", key)
		}
	}
}
