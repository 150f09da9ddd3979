package account

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/store/storetest"
)

// FuzzAuthEventBody: every auth event body, with the fields that keep
// sessions and passwords under the log, stores, decodes and projects as
// verify needs; and a stored body (any bytes) vouches for a session or a
// password only when it is the event that opened that session or set that
// hash. It never panics.
func FuzzAuthEventBody(f *testing.F) {
	f.Add(EventLogin, "usr_a", "ses_1", "", int64(1), []byte("secret"), []byte(nil))
	f.Add(EventPasswordSet, "usr_a", "", reasonReset, int64(0), []byte("$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5"), []byte(nil))
	f.Add(EventSessionEnded, "usr_a", "ses_1", reasonLogoutAll, int64(0), []byte(nil), []byte(`{"kind":"login","user":"usr_a","session":"ses_1"}`))
	f.Add(EventLogout, "", "ses_\u202e", "", int64(-1), []byte{0xff}, []byte(`{"kind":"password_set","user":"usr_a","secret_sha256":null}`))
	proj := storetest.Projection(projections(), EntityAuthEvent)
	f.Fuzz(func(t *testing.T, kind, user, session, reason string, expires int64, secret, stored []byte) {
		if !utf8.ValidString(kind) || !utf8.ValidString(user) || !utf8.ValidString(session) || !utf8.ValidString(reason) {
			return // the write path holds ids and constants: valid UTF-8
		}
		at := time.Date(2021, 6, 12, 10, 0, 0, 0, time.UTC)
		end := at.Add(time.Duration(expires%(1<<40)) * time.Microsecond) // within the years JSON writes
		b := authEventBody{Kind: kind, User: user, At: at, Reason: reason, Session: session, Sessions: []string{session},
			SecretSHA256: secretSHA256(secret), ExpiresAt: &end}
		storetest.CheckBody(t, b, proj)
		raw, _ := json.Marshal(b)
		login := loggedLogin(EntityAuthEvent, raw, session, user, secret, formatTime(end))
		if login != (kind == EventLogin) {
			t.Fatalf("a %s body vouches for its session: %v", kind, login)
		}
		if loggedLogin(EntityAuthEvent, raw, session+"x", user, secret, formatTime(end)) ||
			loggedLogin(EntityAuthEvent, raw, session, user+"x", secret, formatTime(end)) ||
			loggedLogin(EntityAuthEvent, raw, session, user, append(secret, 0), formatTime(end)) ||
			loggedLogin(EntityAuthEvent, raw, session, user, secret, formatTime(end.Add(time.Microsecond))) ||
			loggedLogin(EntityToken, raw, session, user, secret, formatTime(end)) {
			t.Fatal("a sign-in vouches for another session")
		}
		if got := loggedPassword(EntityAuthEvent, raw, user, string(secret)); got != (kind == EventPasswordSet) {
			t.Fatalf("a %s body vouches for the hash: %v", kind, got)
		}
		if loggedPassword(EntityAuthEvent, raw, user, string(secret)+"x") || loggedPassword(EntityAuthEvent, raw, user+"x", string(secret)) {
			t.Fatal("a password_set vouches for another hash or user")
		}
		// Any stored bytes: no panic, and nothing vouched for without
		// the secret's hash in them.
		if loggedLogin(EntityAuthEvent, stored, session, user, secret, formatTime(end)) || loggedPassword(EntityAuthEvent, stored, user, string(secret)) {
			var d authEventBody
			if json.Unmarshal(stored, &d) != nil || d.SecretSHA256 != secretSHA256(secret) {
				t.Fatalf("%q vouches without the secret's hash", stored)
			}
		}
	})
}
