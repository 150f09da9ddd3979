package account

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/store"
)

// Passwords and sessions live in side tables (credentials, sessions), never
// in a change body. What puts them under the log's integrity is that every
// write to those tables goes with an auth event in the same transaction,
// whose body carries the SHA-256 of the secret as stored (the argon2id PHC
// string; the SHA-256 of the session id): verify checks every row against
// the latest event for it (check.go), and Authenticate and Login refuse a
// row that the event it names does not vouch for. Every change made in a
// session or with a token names it in its via, by a public id.

// Kinds of auth event that keep the side tables under the log.
const (
	EventPasswordSet  = "password_set"  // a password was set: SecretSHA256 of the stored PHC string
	EventSessionEnded = "session_ended" // sessions ended other than by sign-out: Sessions, Reason
)

// Why a password was set or sessions were ended, as the event records it.
const (
	reasonCreated       = "created"         // password_set: with the account
	reasonReset         = "reset"           // password_set: by someone else (an admin, the operator)
	reasonChanged       = "changed"         // password_set: by its user
	reasonRehash        = "rehash"          // password_set: the same password, hashed with today's parameters at sign-in
	reasonExpired       = "expired"         // session_ended: past its absolute end
	reasonIdle          = "idle"            // session_ended: unused for longer than the idle timeout
	reasonPasswordSet   = "password_set"    // session_ended: the password was set
	reasonUserDisabled  = "disabled"        // session_ended: the account is disabled
	reasonLogoutAll     = "logout_all"      // session_ended: sign out everywhere
	reasonAccountChange = "account_changed" // session_ended: another change of the account

	// reasonPasswordNotLogged is why a sign-in failed whose password
	// matched a credentials row that no logged change vouches for.
	reasonPasswordNotLogged = "password_not_logged"
)

// sessionPrefix is the prefix of a session's public id.
const sessionPrefix = "ses"

// Vias of changes made through a credential, as the change log records
// them. The id is public: a session's is not its cookie.
const (
	viaSession = "session:"
	viaToken   = "token:"
)

// ViaSession is the via of a change made in session id (its public id).
func ViaSession(id string) string { return viaSession + id }

// ViaToken is the via of a change made with API token id.
func ViaToken(id string) string { return viaToken + id }

// secretSHA256 is the hex SHA-256 of a secret as a side table stores it.
func secretSHA256[T string | []byte](stored T) string {
	sum := sha256.Sum256([]byte(stored))
	return hex.EncodeToString(sum[:])
}

// setCredential stores a password's hash for user userID and records it.
func (s *Service) setCredential(tx *store.Tx, actor store.Actor, userID, hash, reason string) error {
	r, err := s.logEvent(tx, actor, authEventBody{Kind: EventPasswordSet, User: userID, Reason: reason, SecretSHA256: secretSHA256(hash)})
	if err != nil {
		return err
	}
	if _, err := tx.ExecSide(`INSERT INTO credentials (user_id, hash, set_seq) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, set_seq = excluded.set_seq`, userID, hash, r.Seq); err != nil {
		return fmt.Errorf("store credentials: %w", err)
	}
	return nil
}

// passwordReason is why actor sets user userID's password.
func passwordReason(actor store.Actor, userID string) string {
	if actor.User == userID {
		return reasonChanged
	}
	return reasonReset
}

// openSession records a sign-in of u and stores its session. The sign-in
// is the session's first change: its via names the session.
func (s *Service) openSession(tx *store.Tx, u loginUser, remote string, now time.Time) (Session, error) {
	cookie, sum := newSessionID()
	sess := Session{ID: cookie, PublicID: s.db.NewID(sessionPrefix), UserID: u.id, CSRF: randomToken(), CreatedAt: now, ExpiresAt: now.Add(s.absolute)}
	expires := sess.ExpiresAt
	actor := store.Actor{User: u.id, Org: u.org, Via: ViaSession(sess.PublicID)}
	r, err := s.logEvent(tx, actor, authEventBody{Kind: EventLogin, User: u.id, Remote: remote,
		Session: sess.PublicID, SecretSHA256: secretSHA256(sum[:]), ExpiresAt: &expires})
	if err != nil {
		return Session{}, err
	}
	if _, err := tx.ExecSide(`INSERT INTO sessions (id, id_sha256, user_id, csrf, created_at, last_seen, expires_at, login_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		sess.PublicID, sum[:], u.id, sess.CSRF, formatTime(now), formatTime(now), formatTime(sess.ExpiresAt), r.Seq); err != nil {
		return Session{}, fmt.Errorf("store session: %w", err)
	}
	return sess, nil
}

// endSessionsWhere deletes the sessions that where (an SQL condition on
// the sessions table, with args) selects and records that they ended.
func (s *Service) endSessionsWhere(tx *store.Tx, actor store.Actor, userID, reason, where string, args ...any) error {
	rows, err := tx.Query(`SELECT id FROM sessions WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("end sessions: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		if _, err := tx.ExecSide(`DELETE FROM sessions WHERE id = ?`, id); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
	}
	return s.recordEvent(tx, actor, authEventBody{Kind: EventSessionEnded, User: userID, Reason: reason, Sessions: ids})
}

// loggedLogin reports whether a sign-in event's body vouches for a
// session row: it opened that session, for that user, with that secret and
// that end.
func loggedLogin(entity string, body []byte, sessionID, userID string, idSHA256 []byte, expires string) bool {
	if entity != EntityAuthEvent || len(body) == 0 {
		return false
	}
	var b authEventBody
	if store.DecodeBody(body, &b) != nil {
		return false
	}
	return b.Kind == EventLogin && b.Session == sessionID && b.User == userID &&
		b.SecretSHA256 == secretSHA256(idSHA256) && b.ExpiresAt != nil && formatTime(*b.ExpiresAt) == expires
}

// loggedPassword reports whether a password_set event's body vouches for a
// credentials row.
func loggedPassword(entity string, body []byte, userID, hash string) bool {
	if entity != EntityAuthEvent || len(body) == 0 {
		return false
	}
	var b authEventBody
	if store.DecodeBody(body, &b) != nil {
		return false
	}
	return b.Kind == EventPasswordSet && b.User == userID && b.SecretSHA256 == secretSHA256(hash)
}
