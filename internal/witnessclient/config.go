package witnessclient

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/truce-monitoring/truce/internal/audit"
)

// Witness is a witness the centre submits its checkpoints to.
type Witness struct {
	URL  string // the witness's prefix: checkpoints go to URL/add-checkpoint
	Key  string // its cosignature verifier key (vkey), as truce witness prints it
	Name string // the key's name, which names the witness everywhere

	verifier note.Verifier
}

// ParseWitness reads "URL=KEY": an http or https URL and the witness's
// verifier key. The URL ends at the first '=' after which a verifier key
// follows (a URL may hold '=' in a query; a key name may too).
func ParseWitness(s string) (Witness, error) {
	s = strings.TrimSpace(s)
	var keyErr error
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			continue
		}
		rawURL, key := s[:i], s[i+1:]
		v, err := audit.NewCosignatureVerifier(key)
		if err != nil {
			keyErr = err
			continue
		}
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return Witness{}, fmt.Errorf("witness %s: %q is not an http(s) URL without query (the witness's prefix, before /add-checkpoint)", v.Name(), rawURL)
		}
		return Witness{URL: strings.TrimSuffix(rawURL, "/"), Key: key, Name: v.Name(), verifier: v}, nil
	}
	if keyErr != nil {
		return Witness{}, fmt.Errorf("%.80q is not URL=KEY: %v", s, keyErr)
	}
	return Witness{}, fmt.Errorf("%.80q is not URL=KEY (the witness's URL, '=', its verifier key)", s)
}

// defaultPolicy is the policy when none is given: every witness must
// cosign.
func defaultPolicy(logKey string, ws []Witness) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "log %s\n", logKey)
	var names []string
	for i, w := range ws {
		name := fmt.Sprintf("w%d", i+1)
		names = append(names, name)
		fmt.Fprintf(&b, "witness %s %s %s\n", name, w.Key, w.URL)
	}
	fmt.Fprintf(&b, "group every all %s\nquorum every\n", strings.Join(names, " "))
	return []byte(b.String())
}

// checkPolicy makes sure a policy can be met by the configured witnesses
// and, when it names logs, names this one.
func checkPolicy(p *audit.Policy, logKey string, ws []Witness) error {
	if len(p.Logs) > 0 {
		found := false
		for _, l := range p.Logs {
			found = found || l.Key == logKey
		}
		if !found {
			return fmt.Errorf("the witness policy names logs but not this one (%s)", logKey)
		}
	}
	configured := map[string]bool{}
	for _, w := range ws {
		configured[w.Key] = true
	}
	var have []string
	for _, pw := range p.Witnesses {
		if configured[pw.Key] {
			have = append(have, pw.Name)
		}
	}
	if !p.Quorate(have) {
		return fmt.Errorf("the witness policy's quorum %s cannot be met by the witnesses given (%d of the policy's %d have a --witness)", p.Quorum, len(have), len(p.Witnesses))
	}
	return nil
}
