package account

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/truce-monitoring/truce/internal/store"
)

// What truce verify checks of accounts beyond their projections: every
// credentials and sessions row against the auth event that set or opened
// it, and every change made through a session or token against the event
// that created it for the same user (store's attribution check).

// registerChecks adds the side tables' check and the credentials that
// changes may name to the store's Verify.
func registerChecks(db *store.DB) {
	db.RegisterCheck(store.DerivedCheck{Entity: EntityAuthEvent, Table: "credentials", Rows: checkSideTables})
	db.RegisterCredentials(store.CredentialSource{Prefixes: []string{viaSession, viaToken}, Load: loadCredentials})
}

// loggedSecret is the latest password_set event of a user.
type loggedSecret struct {
	seq    int64
	secret string
}

// loggedSession is a session as the log tells it: the sign-in that opened
// it and the change that ended it.
type loggedSession struct {
	user, secret, expires string
	created, ended        int64
}

// authLog is what the log says of passwords, sessions and tokens.
type authLog struct {
	passwords map[string]loggedSecret   // by user id
	sessions  map[string]*loggedSession // by public id
	tokens    map[string]store.Credential
	size      int64 // the log's size as read
}

// sideKinds are the auth events that the side tables answer to.
var sideKinds = []string{EventPasswordSet, EventLogin, EventLogout, EventSessionEnded}

// readAuthLog reads, through q, the events that set passwords and open
// and end sessions, and every token's changes. The events are found
// through the auth_events projection, which verify compares with the log.
func readAuthLog(ctx context.Context, q store.Querier) (*authLog, error) {
	l := &authLog{passwords: map[string]loggedSecret{}, sessions: map[string]*loggedSession{}, tokens: map[string]store.Credential{}}
	rows, err := q.Query(ctx, `SELECT COALESCE(MAX(seq) + 1, 0) FROM changes`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		if err := rows.Scan(&l.size); err != nil {
			rows.Close()
			return nil, err
		}
	}
	rows.Close()
	rows, err = q.Query(ctx, `SELECT c.seq, c.body FROM auth_events a JOIN changes c ON c.entity = ? AND c.id = a.id
		WHERE a.kind IN (?, ?, ?, ?) ORDER BY c.seq`, EntityAuthEvent, sideKinds[0], sideKinds[1], sideKinds[2], sideKinds[3])
	if err != nil {
		return nil, err
	}
	err = eachBody(rows, func(seq int64, _ string, body []byte) error {
		var b authEventBody
		if err := store.DecodeBody(body, &b); err != nil {
			return nil // verify reports the body as not projecting
		}
		l.add(seq, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `SELECT seq, id, body FROM changes WHERE entity = ? ORDER BY seq`, EntityToken)
	if err != nil {
		return nil, err
	}
	err = eachBody(rows, func(seq int64, id string, body []byte) error {
		var b tokenBody
		if err := store.DecodeBody(body, &b); err != nil {
			return nil
		}
		t, ok := l.tokens[id]
		if !ok {
			t = store.Credential{User: b.User, Created: seq, Ended: store.Never}
			if b.ExpiresAt != nil {
				t.Expires = formatTime(*b.ExpiresAt)
			}
		}
		if b.RevokedAt != nil && t.Ended == store.Never {
			t.Ended = seq
		}
		l.tokens[id] = t
		return nil
	})
	return l, err
}

// add takes one event, in log order.
func (l *authLog) add(seq int64, b authEventBody) {
	end := func(id string) {
		if s := l.sessions[id]; s != nil && s.ended == store.Never {
			s.ended = seq
		}
	}
	switch b.Kind {
	case EventPasswordSet:
		l.passwords[b.User] = loggedSecret{seq: seq, secret: b.SecretSHA256}
	case EventLogin:
		if b.Session == "" {
			return // a sign-in logged before sessions were
		}
		s := &loggedSession{user: b.User, secret: b.SecretSHA256, created: seq, ended: store.Never}
		if b.ExpiresAt != nil {
			s.expires = formatTime(*b.ExpiresAt)
		}
		if l.sessions[b.Session] == nil {
			l.sessions[b.Session] = s
		}
	case EventLogout:
		end(b.Session)
	case EventSessionEnded:
		for _, id := range b.Sessions {
			end(id)
		}
	}
}

// eachBody hands each (seq, id, body) row to f, skipping erased bodies.
// A row with two columns has no id.
func eachBody(rows *sql.Rows, f func(seq int64, id string, body []byte) error) error {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	var seq int64
	var id string
	var body []byte
	dest := []any{&seq, &body}
	if len(cols) == 3 {
		dest = []any{&seq, &id, &body}
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if len(body) == 0 {
			continue
		}
		if err := f(seq, id, body); err != nil {
			return err
		}
	}
	return rows.Err()
}

// loadCredentials is the store's CredentialSource: every session and
// token the log created, by the via that names it.
func loadCredentials(ctx context.Context, q store.Querier) (map[string]store.Credential, int64, error) {
	l, err := readAuthLog(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	out := make(map[string]store.Credential, len(l.sessions)+len(l.tokens))
	for id, s := range l.sessions {
		out[ViaSession(id)] = store.Credential{User: s.user, Created: s.created, Ended: s.ended, Expires: s.expires}
	}
	for id, t := range l.tokens {
		out[ViaToken(id)] = t
	}
	return out, l.size, nil
}

// checkSideTables checks every credentials and sessions row against the
// log. Tokens need no check of their own: their table is a projection of
// the token records, whose bodies hold the secret's hash.
func checkSideTables(ctx context.Context, q store.Querier) ([]store.Problem, error) {
	l, err := readAuthLog(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []store.Problem
	bad := func(table, id, format string, args ...any) {
		out = append(out, store.Problem{Entity: table, ID: id, Seq: -1, What: fmt.Sprintf(format, args...)})
	}
	rows, err := q.Query(ctx, `SELECT user_id, hash, set_seq FROM credentials ORDER BY user_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var user, hash string
		var setSeq sql.NullInt64
		if err := rows.Scan(&user, &hash, &setSeq); err != nil {
			rows.Close()
			return nil, err
		}
		want, ok := l.passwords[user]
		switch {
		case !ok:
			bad("credentials", user, "password hash has no logged change (set behind the log's back, or before passwords were logged: set it again)")
		case secretSHA256(hash) != want.secret:
			bad("credentials", user, "password hash does not match the latest logged change (seq %d): replaced behind the log's back", want.seq)
		case !setSeq.Valid || setSeq.Int64 != want.seq:
			bad("credentials", user, "set_seq is %s, the latest logged change is seq %d", nullInt(setSeq), want.seq)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `SELECT id, id_sha256, user_id, expires_at, login_seq FROM sessions ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, user, expires string
		var sum []byte
		var loginSeq int64
		if err := rows.Scan(&id, &sum, &user, &expires, &loginSeq); err != nil {
			return nil, err
		}
		s := l.sessions[id]
		switch {
		case s == nil:
			bad("sessions", id, "row has no logged sign-in (inserted behind the log's back)")
		case s.user != user:
			bad("sessions", id, "row is of user %s, the log opened the session for %s", user, s.user)
		case secretSHA256(sum) != s.secret:
			bad("sessions", id, "secret hash does not match the logged sign-in (seq %d)", s.created)
		case s.expires != expires:
			bad("sessions", id, "expires_at is %s, the logged sign-in (seq %d) gives %s", expires, s.created, s.expires)
		case loginSeq != s.created:
			bad("sessions", id, "login_seq is %d, the logged sign-in is seq %d", loginSeq, s.created)
		case s.ended != store.Never:
			bad("sessions", id, "session is still in the table, but the log ended it at seq %d", s.ended)
		}
	}
	return out, rows.Err()
}

func nullInt(n sql.NullInt64) string {
	if !n.Valid {
		return "NULL"
	}
	return fmt.Sprint(n.Int64)
}
