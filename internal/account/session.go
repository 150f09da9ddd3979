package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// maxLoginName is the longest name Login looks at; anything longer is
// refused without a look-up.
const maxLoginName = 256

// Messages for refused credentials. They are the same whatever went wrong,
// so that they tell nobody whether an account exists or is disabled.
const (
	msgLoginFailed = "sign-in failed: the username or password is not correct"
	msgSession     = "your session has ended or is not valid; sign in again"
)

// sessionIDLen is the length of a session id: base64url of 32 bytes.
const sessionIDLen = 43

var b64url = base64.RawURLEncoding.Strict()

// Session is a browser session. ID is the cookie value and is returned
// only by Login: the database keeps only its SHA-256. PublicID names the
// session in the change log (the via of every change made in it).
type Session struct {
	ID        string    `json:"-"`
	PublicID  string    `json:"id"`
	UserID    string    `json:"user_id"`
	CSRF      string    `json:"csrf"` // to echo in a form field or header on every unsafe request
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"` // absolute end; an idle session ends sooner
}

// CheckCSRF reports, in constant time, whether token is the session's CSRF
// token.
func (s Session) CheckCSRF(token string) bool {
	return s.CSRF != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// loginUser is what a sign-in needs to know about the account named.
type loginUser struct {
	id, username, org, orgKind, roles, hash string
	disabled                                bool
	// setEntity and setBody are the change that set the password (its
	// password_set event), which must vouch for the hash.
	setEntity string
	setBody   []byte
}

const loginUserSQL = `SELECT u.id, u.username, u.org, COALESCE(o.kind, ''), u.roles, u.disabled, COALESCE(c.hash, ''), COALESCE(pc.entity, ''), pc.body
	FROM users u LEFT JOIN credentials c ON c.user_id = u.id LEFT JOIN organisations o ON o.id = u.org LEFT JOIN changes pc ON pc.seq = c.set_seq
	WHERE u.username = ?`

// normaliseLoginName returns the name as accounts store it (ASCII letters
// lower-cased), or false when it cannot be anyone's name and should not be
// looked up.
func normaliseLoginName(name string) (string, bool) {
	// No username holds a NUL, and PostgreSQL's text cannot: such a
	// name is refused here rather than by the database.
	if name == "" || len(name) > maxLoginName || !utf8.ValidString(name) || strings.IndexByte(name, 0) >= 0 {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// Login checks a username and password and opens a session. Every attempt
// is recorded as an auth_event. Whatever the reason a sign-in fails (no
// such user, wrong password, disabled account, a name that cannot be
// valid), the error is errs.Unauthenticated with the same message, and an
// unknown name costs the same argon2id computation as a known one. Too
// soon after failures of the name from the address, or from the address,
// Login returns a *LimitedError without checking the password (see
// Limits); failures elsewhere never hold an account back.
func (s *Service) Login(ctx context.Context, username, password, remoteAddr string) (Session, access.Principal, error) {
	now := s.clock()
	ip := remoteIP(remoteAddr)
	addrKey := addressKey(ip)
	name, nameOK := normaliseLoginName(username)
	failed := authEventBody{Kind: EventLoginFailed, Remote: addrText(ip)}

	retry, notice, reason, err := s.limiter.begin(ctx, now, name, addrKey)
	if err != nil {
		return Session{}, access.Principal{}, wrap("login", err)
	}
	if retry > 0 {
		if notice {
			failed.Reason = reason
			failed.UsernameSHA256 = nameSHA256(username)
			if nameOK {
				failed.UsernameSHA256 = nameSHA256(name)
			}
			if err := s.recordFailure(ctx, failed); err != nil {
				return Session{}, access.Principal{}, wrap("login", err)
			}
		}
		return Session{}, access.Principal{}, wrap("login", &LimitedError{RetryAfter: retry})
	}
	if !nameOK {
		failed.Reason = reasonInvalidName
		failed.UsernameSHA256 = nameSHA256(username)
		return s.loginFailed(ctx, failed)
	}

	var u loginUser
	err = s.db.QueryRow(ctx, loginUserSQL, name).Scan(&u.id, &u.username, &u.org, &u.orgKind, &u.roles, &u.disabled, &u.hash, &u.setEntity, &u.setBody)
	found := err == nil
	if err != nil && !store.IsNoRows(err) {
		return Session{}, access.Principal{}, wrap("login", err)
	}
	match, stale, err := s.checkHash(ctx, u.hash, password)
	if err != nil {
		return Session{}, access.Principal{}, wrap("login", err)
	}
	switch {
	case !found:
		failed.Reason = reasonUnknownUser
		failed.UsernameSHA256 = nameSHA256(name)
	case u.hash == "":
		failed.User, failed.Reason = u.id, reasonNoPassword
	case !loggedPassword(u.setEntity, u.setBody, u.id, u.hash):
		// A hash that no logged change set: written behind the log's back.
		failed.User, failed.Reason = u.id, reasonPasswordNotLogged
	case !match:
		failed.User, failed.Reason = u.id, reasonBadPassword
	case u.disabled:
		failed.User, failed.Reason = u.id, reasonDisabled
	}
	if failed.Reason != "" {
		return s.loginFailed(ctx, failed)
	}

	rehash := ""
	if stale {
		if rehash, err = s.hashPassword(ctx, password); err != nil {
			return Session{}, access.Principal{}, wrap("login", err)
		}
	}
	var sess Session
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		// The user's ended sessions go first; live ones stay (other browsers).
		if err := s.endSessionsWhere(tx, store.System, u.id, reasonExpired, `user_id = ? AND (expires_at <= ? OR last_seen <= ?)`,
			u.id, formatTime(now), formatTime(now.Add(-s.idle))); err != nil {
			return fmt.Errorf("delete ended sessions: %w", err)
		}
		// The attempt, counted as a failure until now, is forgiven with
		// the session's opening.
		if err := s.limiter.forgive(tx, name, addrKey); err != nil {
			return err
		}
		var err error
		if sess, err = s.openSession(tx, u, addrText(ip), now); err != nil {
			return err
		}
		if rehash != "" {
			return s.setCredential(tx, store.Actor{User: u.id, Org: u.org, Via: ViaSession(sess.PublicID)}, u.id, rehash, reasonRehash)
		}
		return nil
	})
	if err != nil {
		return Session{}, access.Principal{}, wrap("login", err)
	}
	return sess, principal(u.id, u.username, u.org, u.orgKind, u.roles, ViaSession(sess.PublicID)), nil
}

// loginFailed records a failed sign-in and returns the generic refusal.
func (s *Service) loginFailed(ctx context.Context, b authEventBody) (Session, access.Principal, error) {
	if err := s.recordFailure(ctx, b); err != nil {
		return Session{}, access.Principal{}, wrap("login", err)
	}
	return Session{}, access.Principal{}, wrap("login", errs.Unauthenticated(msgLoginFailed))
}

func (s *Service) recordFailure(ctx context.Context, b authEventBody) error {
	_, err := s.db.Write(ctx, func(tx *store.Tx) error { return s.recordEvent(tx, anonymous, b) })
	return err
}

// Authenticate returns the principal of a session id (the cookie value) and
// the session. A session that does not exist, was logged out, has passed
// its absolute expiry or its idle timeout, or whose user is disabled is
// refused with errs.Unauthenticated. The principal is built afresh from the
// account on every call, so role changes apply at once.
func (s *Service) Authenticate(ctx context.Context, sessionID string) (access.Principal, Session, error) {
	sum, ok := parseSessionID(sessionID)
	if !ok {
		return access.Principal{}, Session{}, wrap("authenticate", errs.Unauthenticated(msgSession))
	}
	var (
		sess                                Session
		created, lastSeen, expires          string
		username, org, orgKind, roles, csrf string
		disabled                            bool
		loginEntity                         string
		loginBody                           []byte
	)
	// The session's row counts only with the sign-in that the log
	// recorded for it: a row inserted behind the log's back is refused.
	err := s.db.QueryRow(ctx, `SELECT s.id, s.user_id, s.csrf, s.created_at, s.last_seen, s.expires_at, u.username, u.org, COALESCE(o.kind, ''), u.roles, u.disabled,
			COALESCE(l.entity, ''), l.body
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN organisations o ON o.id = u.org LEFT JOIN changes l ON l.seq = s.login_seq
		WHERE s.id_sha256 = ?`, sum[:]).Scan(&sess.PublicID, &sess.UserID, &csrf, &created, &lastSeen, &expires, &username, &org, &orgKind, &roles, &disabled,
		&loginEntity, &loginBody)
	if store.IsNoRows(err) {
		return access.Principal{}, Session{}, wrap("authenticate", errs.Unauthenticated(msgSession))
	}
	if err != nil {
		return access.Principal{}, Session{}, wrap("authenticate", err)
	}
	if !loggedLogin(loginEntity, loginBody, sess.PublicID, sess.UserID, sum[:], expires) {
		return access.Principal{}, Session{}, wrap("authenticate", errs.Unauthenticated(msgSession))
	}
	sess.ID, sess.CSRF = sessionID, csrf
	var err1, err2, err3 error
	sess.CreatedAt, err1 = parseTime(created)
	seen, err2 := parseTime(lastSeen)
	sess.ExpiresAt, err3 = parseTime(expires)
	if err := errors.Join(err1, err2, err3); err != nil {
		return access.Principal{}, Session{}, wrap("authenticate", err)
	}
	now := s.clock()
	if disabled || !now.Before(sess.ExpiresAt) || !now.Before(seen.Add(s.idle)) {
		reason := reasonIdle
		switch {
		case disabled:
			reason = reasonUserDisabled
		case !now.Before(sess.ExpiresAt):
			reason = reasonExpired
		}
		_, err := s.db.Write(ctx, func(tx *store.Tx) error {
			return s.endSessionsWhere(tx, store.System, sess.UserID, reason, `id = ?`, sess.PublicID)
		})
		if err != nil {
			return access.Principal{}, Session{}, wrap("authenticate", err)
		}
		return access.Principal{}, Session{}, wrap("authenticate", errs.Unauthenticated(msgSession))
	}
	if now.Sub(seen) >= touchEvery {
		_, err := s.db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecSide(`UPDATE sessions SET last_seen = ? WHERE id_sha256 = ? AND last_seen < ?`, formatTime(now), sum[:], formatTime(now))
			return err
		})
		if err != nil {
			return access.Principal{}, Session{}, wrap("authenticate", err)
		}
	}
	return principal(sess.UserID, username, org, orgKind, roles, ViaSession(sess.PublicID)), sess, nil
}

// Logout ends a session and records it. Ending a session that does not
// exist (already ended, never valid) does nothing.
func (s *Service) Logout(ctx context.Context, sessionID string) error {
	sum, ok := parseSessionID(sessionID)
	if !ok {
		return nil
	}
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		var id, userID, org string
		err := tx.QueryRow(`SELECT s.id, s.user_id, COALESCE(u.org, '') FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id_sha256 = ?`, sum[:]).Scan(&id, &userID, &org)
		if store.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecSide(`DELETE FROM sessions WHERE id = ?`, id); err != nil {
			return err
		}
		return s.recordEvent(tx, store.Actor{User: userID, Org: org, Via: ViaSession(id)}, authEventBody{Kind: EventLogout, User: userID, Session: id})
	})
	return wrap("logout", err)
}

// LogoutAll ends every session of a user ("sign out everywhere") and
// records it. Disabling a user and setting a password do it in their own
// transaction.
func (s *Service) LogoutAll(ctx context.Context, userID string) error {
	_, err := s.db.Write(ctx, func(tx *store.Tx) error { return s.endSessions(tx, store.System, userID, reasonLogoutAll) })
	return wrap("logout all", err)
}

// endSessions ends every session of user userID, for reason, and records
// it as actor's change.
func (s *Service) endSessions(tx *store.Tx, actor store.Actor, userID, reason string) error {
	return s.endSessionsWhere(tx, actor, userID, reason, `user_id = ?`, userID)
}

// principal builds the principal of an account from its projection row.
func principal(id, username, org, orgKind, roles, via string) access.Principal {
	p := access.Principal{UserID: id, Username: username, Org: org, OrgKind: orgKind, Via: via}
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			p.Roles = append(p.Roles, access.Role(r))
		}
	}
	return p
}

// newSessionID returns a new session id and its SHA-256.
func newSessionID() (string, [32]byte) {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b), sha256.Sum256(b)
}

// parseSessionID checks the shape of a session id and returns the SHA-256
// of its bytes.
func parseSessionID(id string) ([32]byte, bool) {
	if len(id) != sessionIDLen {
		return [32]byte{}, false
	}
	b, err := b64url.DecodeString(id)
	if err != nil || len(b) != 32 {
		return [32]byte{}, false
	}
	return sha256.Sum256(b), true
}

// randomToken returns 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
