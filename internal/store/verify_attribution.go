package store

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// Every change made through a browser session or an API token names it in
// its via ("session:ses_…", "token:tok_…"). Verify checks, in its one pass
// over the log, that the log created that credential for the same user
// before the change and had not ended it: a session row inserted behind
// the log's back signs in, but whatever is done with it names a session
// that no logged sign-in opened.

// Never is a Credential's Ended while it lives.
const Never = math.MaxInt64

// Credential is a session or token as the log created it.
type Credential struct {
	User    string // the user it was created for
	Created int64  // seq of the change that created it
	Ended   int64  // seq of the change that ended it (sign-out, revocation); Never while it lives
	Expires string // its absolute end in ledger.TimeLayout; "" for none
}

// CredentialSource reads, through one snapshot, every credential the log
// created, by the via that names it, and the size of the log it read.
type CredentialSource struct {
	// Prefixes are the vias the source answers for, e.g. "session:".
	Prefixes []string
	Load     func(ctx context.Context, q Querier) (creds map[string]Credential, size int64, err error)
}

// RegisterCredentials adds a source of credentials for Verify's
// attribution check; the package that keeps sessions and tokens registers
// it.
func (db *DB) RegisterCredentials(s CredentialSource) { db.credentials = append(db.credentials, s) }

// attribution is the check as one pass over the log runs it: the
// credentials are read once before the pass, and each change looked up in
// them by its via.
type attribution struct {
	prefixes [][]byte
	creds    map[string]Credential
	size     int64 // the log's size when creds were read: later changes may name later credentials

	mu   sync.Mutex
	late []lateVia // changes after size naming a credential not read: checked again at the end
}

type lateVia struct {
	seq            int64
	entity, id     string
	actor, via, at string
	problem        string
}

// newAttribution reads the registered credential sources; nil when there
// are none.
func (db *DB) newAttribution(ctx context.Context) (*attribution, error) {
	if len(db.credentials) == 0 {
		return nil, nil
	}
	a := &attribution{creds: map[string]Credential{}, size: math.MaxInt64}
	for _, s := range db.credentials {
		for _, p := range s.Prefixes {
			a.prefixes = append(a.prefixes, []byte(p))
		}
		err := db.ReadSnapshot(ctx, func(snap Snapshot) error {
			creds, size, err := s.Load(ctx, snap)
			if err != nil {
				return err
			}
			for k, c := range creds {
				a.creds[k] = c
			}
			a.size = min(a.size, size)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read credentials: %w", err)
		}
	}
	return a, nil
}

// splitJoined returns the actor, via and time of fields joined by
// ledger.JoinedSQL ("actor\norg …\nvia …\nat …").
// No field holds a newline (the leaf's lines would not parse), so each is
// found by the newline before it.
func splitJoined(joined []byte) (actor, via, at []byte) {
	at, _ = ledger.JoinedTime(joined)
	rest := joined[:len(joined)-len(at)]
	rest = bytes.TrimSuffix(rest, []byte("\nat "))
	if i := bytes.LastIndexByte(rest, '\n'); i >= 0 && bytes.HasPrefix(rest[i:], []byte("\nvia ")) {
		via = rest[i+len("\nvia "):]
		rest = rest[:i]
	}
	if i := bytes.IndexByte(rest, '\n'); i >= 0 && bytes.HasPrefix(rest[i:], []byte("\norg ")) {
		actor = rest[:i]
	}
	return actor, via, at
}

// check looks up the credential a change names, if it names one, and adds
// a problem to the range when the log did not create it for the change's
// actor, or had ended it. Workers call it concurrently.
func (a *attribution) check(c *verifyChunkResult, seq int64, entity, id string, joined []byte) {
	if a == nil {
		return
	}
	// Most changes name no credential: their via is found from the end,
	// where the time has a fixed width, and nothing else is looked at.
	via := joined
	if n := len(joined) - len(ledger.TimeLayout) - len("\nat "); n >= 0 && string(joined[n:n+len("\nat ")]) == "\nat " {
		if i := bytes.LastIndexByte(joined[:n], '\n'); i >= 0 && bytes.HasPrefix(joined[i:], []byte("\nvia ")) {
			via = joined[i+len("\nvia ") : n]
		}
	} else {
		_, via, _ = splitJoined(joined)
	}
	named := false
	for _, p := range a.prefixes {
		if bytes.HasPrefix(via, p) {
			named = true
			break
		}
	}
	if !named {
		return
	}
	actor, via, at := splitJoined(joined)
	what := a.judge(seq, actor, via, at)
	if what == "" {
		return
	}
	if seq >= a.size {
		a.mu.Lock()
		a.late = append(a.late, lateVia{seq, entity, id, string(actor), string(via), string(at), what})
		a.mu.Unlock()
		return
	}
	c.problems = append(c.problems, Problem{entity, id, seq, what})
}

// judge says what is wrong with a change made by actor through via at time
// at, or "" when nothing is.
func (a *attribution) judge(seq int64, actor, via, at []byte) string {
	cred, ok := a.creds[string(via)]
	switch {
	case !ok:
		return fmt.Sprintf("made through %s, which no logged event created", via)
	case cred.User != string(actor):
		return fmt.Sprintf("made by %s through %s, which the log created for %s", actor, via, cred.User)
	case seq < cred.Created:
		return fmt.Sprintf("made through %s before the change that created it (seq %d)", via, cred.Created)
	case seq > cred.Ended:
		return fmt.Sprintf("made through %s after the change that ended it (seq %d)", via, cred.Ended)
	case cred.Expires != "" && string(at) > cred.Expires:
		return fmt.Sprintf("made through %s at %s, after it expired at %s", via, at, cred.Expires)
	}
	return ""
}

// settle checks again, against the credentials as they are now, the
// changes written while verify ran that named a credential it had not
// read.
func (a *attribution) settle(ctx context.Context, db *DB) ([]Problem, error) {
	if a == nil || len(a.late) == 0 {
		return nil, nil
	}
	fresh, err := db.newAttribution(ctx)
	if err != nil {
		return nil, err
	}
	var out []Problem
	for _, l := range a.late {
		if what := fresh.judge(l.seq, []byte(l.actor), []byte(l.via), []byte(l.at)); what != "" {
			out = append(out, Problem{l.entity, l.id, l.seq, what})
		}
	}
	return out, nil
}
