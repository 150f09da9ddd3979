package account

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/netip"
	"time"

	"github.com/truce-monitoring/truce/internal/store"
)

// Kinds of auth event.
const (
	EventLogin        = "login"
	EventLoginFailed  = "login_failed"
	EventLogout       = "logout"
	EventTokenCreated = "token_created"
	EventTokenRevoked = "token_revoked"
)

// Why a sign-in failed, as the event records it for the admins who read
// the log. The client is told none of this.
const (
	reasonBadPassword = "bad_password"
	reasonUnknownUser = "unknown_user"
	reasonDisabled    = "disabled"
	reasonNoPassword  = "no_password"
	reasonInvalidName = "invalid_name"
	reasonRateLimited = "rate_limited"
)

// authEventBody is a sign-in, sign-out or token event. It never holds a
// secret nor the text typed as a username when no account has that name
// (people type passwords into the wrong field): only its SHA-256.
type authEventBody struct {
	Kind           string    `json:"kind"`
	User           string    `json:"user,omitempty"`            // user id, when known
	UsernameSHA256 string    `json:"username_sha256,omitempty"` // hex SHA-256 of the name tried, when no such user
	Remote         string    `json:"remote,omitempty"`          // remote IP address, without port
	At             time.Time `json:"at"`
	Reason         string    `json:"reason,omitempty"` // login_failed: why
	Token          string    `json:"token,omitempty"`  // token events: the token id
	// Session is the public id of the session a login opened or a logout
	// ended; Sessions those a session_ended event ended.
	Session  string   `json:"session,omitempty"`
	Sessions []string `json:"sessions,omitempty"`
	// SecretSHA256 is the hex SHA-256 of the secret as its side table
	// stores it: of the argon2id PHC string (password_set), of the
	// session id's SHA-256 (login). Never the secret.
	SecretSHA256 string     `json:"secret_sha256,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"` // login: the session's absolute end
}

// anonymous is the actor of a failed sign-in.
var anonymous = store.Actor{User: "anonymous", Via: "session"}

func (s *Service) recordEvent(tx *store.Tx, actor store.Actor, b authEventBody) error {
	_, err := s.logEvent(tx, actor, b)
	return err
}

// logEvent is recordEvent returning the change recorded.
func (s *Service) logEvent(tx *store.Tx, actor store.Actor, b authEventBody) (store.Recorded, error) {
	b.At = tx.Now()
	return tx.Record(store.Change{Entity: EntityAuthEvent, ID: s.db.NewID(eventPrefix), Version: 1, Actor: actor, Body: b})
}

func nameSHA256(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// remoteIP returns the IP address of a remote address "host:port" (or a
// bare address); the zero Addr when it is neither.
func remoteIP(remoteAddr string) netip.Addr {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// addressKey is the rate-limit bucket of an address: the address itself
// for IPv4, its /64 for IPv6 (one subscriber usually holds a whole /64).
func addressKey(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is4():
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
