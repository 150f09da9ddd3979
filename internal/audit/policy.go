package audit

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// A Policy says which logs an auditor trusts and which witnesses must have
// cosigned a checkpoint before it is accepted: C2SP tlog-policy
// (https://c2sp.org/tlog-policy). Its lines, after comments ("#") and
// blank lines are dropped:
//
//	log <vkey> [<url>]
//	witness <name> <vkey> [<url>]
//	group <name> all|any|<k> <name>...
//	quorum <name>|none
//
// A log's vkey is a note verifier key (Ed25519); a witness's is a
// cosignature/v1 key (C2SP tlog-cosignature, type 0x04, or a plain Ed25519
// vkey used for cosignatures). A group is witnessed when k of its members
// are; the quorum names the witness or group that must witness the
// checkpoint, or none. Names are defined before they are used, each at
// most once, and each is a member of at most one group. URLs are accepted
// and not used.
type Policy struct {
	Logs      []PolicyKey
	Witnesses []PolicyKey
	Quorum    string // a witness or group name, or "none"
	groups    map[string]group
	witness   map[string]note.Verifier
}

// PolicyKey is a log or a witness of a policy.
type PolicyKey struct {
	Name     string // a witness's name in the policy; a log's origin
	Key      string // the vkey as written
	Verifier note.Verifier
}

type group struct {
	threshold int
	members   []string
}

// Cosigned is what a policy found in a checkpoint: the witnesses whose
// cosignature verified, with its time, and those whose did not.
type Cosigned struct {
	By      map[string]time.Time
	Invalid []string
}

// Names returns the cosigning witnesses' names in order.
func (c Cosigned) Names() []string {
	var names []string
	for n := range c.By {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParsePolicy parses a tlog-policy file.
func ParsePolicy(data []byte) (*Policy, error) {
	p := &Policy{groups: map[string]group{}, witness: map[string]note.Verifier{}}
	keys := map[string]string{} // public key bytes -> where it was defined
	member := map[string]string{}
	defined := func(name string) bool {
		_, w := p.witness[name]
		_, g := p.groups[name]
		return w || g
	}
	quorums := 0
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		for j := 0; j < len(line); j++ {
			if c := line[j]; c < 0x20 && c != '\t' || c == 0x7f {
				return nil, fmt.Errorf("policy line %d: control character %#02x", n, c)
			}
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "log":
			if len(f) < 2 || len(f) > 3 {
				return nil, fmt.Errorf("policy line %d: want log <vkey> [<url>]", n)
			}
			v, err := note.NewVerifier(f[1])
			if err != nil {
				return nil, fmt.Errorf("policy line %d: log key: %v", n, err)
			}
			if err := uniqueKey(keys, f[1], fmt.Sprintf("line %d", n)); err != nil {
				return nil, fmt.Errorf("policy line %d: %v", n, err)
			}
			p.Logs = append(p.Logs, PolicyKey{Name: v.Name(), Key: f[1], Verifier: v})
		case "witness":
			if len(f) < 3 || len(f) > 4 {
				return nil, fmt.Errorf("policy line %d: want witness <name> <vkey> [<url>]", n)
			}
			name := f[1]
			if name == "none" || defined(name) {
				return nil, fmt.Errorf("policy line %d: name %q is already defined", n, name)
			}
			v, err := NewCosignatureVerifier(f[2])
			if err != nil {
				return nil, fmt.Errorf("policy line %d: witness %s key: %v", n, name, err)
			}
			if err := uniqueKey(keys, f[2], fmt.Sprintf("line %d", n)); err != nil {
				return nil, fmt.Errorf("policy line %d: %v", n, err)
			}
			p.witness[name] = v
			p.Witnesses = append(p.Witnesses, PolicyKey{Name: name, Key: f[2], Verifier: v})
		case "group":
			if len(f) < 4 {
				return nil, fmt.Errorf("policy line %d: want group <name> all|any|<k> <name>...", n)
			}
			name, members := f[1], f[3:]
			if name == "none" || defined(name) {
				return nil, fmt.Errorf("policy line %d: name %q is already defined", n, name)
			}
			for _, m := range members {
				if !defined(m) {
					return nil, fmt.Errorf("policy line %d: group %s: %q is not defined on a line before", n, name, m)
				}
				if g, ok := member[m]; ok {
					return nil, fmt.Errorf("policy line %d: group %s: %q is already a member of %s", n, name, m, g)
				}
				member[m] = name
			}
			k := 0
			switch f[2] {
			case "all":
				k = len(members)
			case "any":
				k = 1
			default:
				v, err := strconv.Atoi(f[2])
				if err != nil || strconv.Itoa(v) != f[2] || v < 1 || v > len(members) {
					return nil, fmt.Errorf("policy line %d: group %s: threshold %q is not all, any or a number from 1 to %d", n, name, f[2], len(members))
				}
				k = v
			}
			p.groups[name] = group{threshold: k, members: members}
		case "quorum":
			if len(f) != 2 {
				return nil, fmt.Errorf("policy line %d: want quorum <name>", n)
			}
			if quorums++; quorums > 1 {
				return nil, fmt.Errorf("policy line %d: a second quorum", n)
			}
			if f[1] != "none" && !defined(f[1]) {
				return nil, fmt.Errorf("policy line %d: quorum %q is not defined on a line before", n, f[1])
			}
			p.Quorum = f[1]
		default:
			return nil, fmt.Errorf("policy line %d: unknown keyword %q (want log, witness, group or quorum)", n, f[0])
		}
	}
	if quorums == 0 {
		return nil, fmt.Errorf("policy: no quorum line (write quorum none to require no cosignature)")
	}
	return p, nil
}

// uniqueKey refuses a vkey whose public key an earlier line already named,
// under whatever name or key hash.
func uniqueKey(seen map[string]string, vkey, where string) error {
	_, rest, _ := strings.Cut(vkey, "+")
	_, b64, _ := strings.Cut(rest, "+")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < 2 {
		return fmt.Errorf("malformed vkey")
	}
	pub := string(raw[1:])
	if at, ok := seen[pub]; ok {
		return fmt.Errorf("the same key as on %s", at)
	}
	seen[pub] = where
	return nil
}

// Check finds the policy's witnesses' cosignatures on a signed checkpoint
// and says whether they make the quorum.
func (p *Policy) Check(signed []byte) (Cosigned, error) {
	c := Cosigned{By: map[string]time.Time{}}
	for _, w := range p.Witnesses {
		n, err := note.Open(signed, note.VerifierList(w.Verifier))
		var invalid *note.InvalidSignatureError
		var unverified *note.UnverifiedNoteError
		switch {
		case err == nil:
			for _, s := range n.Sigs {
				c.By[w.Name] = cosignatureTime(s)
			}
		case errors.As(err, &invalid):
			c.Invalid = append(c.Invalid, w.Name)
		case errors.As(err, &unverified):
			// not cosigned by this witness
		default:
			return c, fmt.Errorf("checkpoint: %v", err)
		}
	}
	if !p.witnessed(p.Quorum, c.By) {
		return c, fmt.Errorf("quorum %s not met: cosigned by %d of %d witnesses (%s)", p.Quorum, len(c.By), len(p.Witnesses), strings.Join(c.Names(), ", "))
	}
	return c, nil
}

// Quorate reports whether cosignatures by the named witnesses (the
// policy's names) would meet the quorum.
func (p *Policy) Quorate(names []string) bool {
	by := map[string]time.Time{}
	for _, n := range names {
		by[n] = time.Time{}
	}
	return p.witnessed(p.Quorum, by)
}

func (p *Policy) witnessed(name string, by map[string]time.Time) bool {
	if name == "none" {
		return true
	}
	if _, ok := p.witness[name]; ok {
		_, ok := by[name]
		return ok
	}
	g := p.groups[name]
	k := 0
	for _, m := range g.members {
		if p.witnessed(m, by) {
			k++
		}
	}
	return k >= g.threshold
}
