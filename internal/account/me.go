package account

import (
	"context"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// PasswordChange is a user's change of their own password. Confirm, when
// given (the web form asks for the new password twice), must equal New.
type PasswordChange struct {
	Current string `json:"current"`
	New     string `json:"new"`
	Confirm string `json:"confirm,omitempty"`
}

// ChangePassword changes the password of the principal's own account:
// the current password must be given, and the new one meet CheckPassword
// (errors name the field: "current", "new" or "confirm"; nothing is
// changed). A wrong current password counts as a failed sign-in of the
// name from remoteAddr, so that a session left open cannot be used to
// guess it; too soon after such failures the answer is a *LimitedError.
//
// Every session of the user ends (SetPassword). A principal that came
// through a browser session is signed in again with the new password, and
// the new session is returned for the caller to hand to the browser; for
// a bearer token the Session is zero (tokens stay valid).
func (s *Service) ChangePassword(ctx context.Context, p access.Principal, in PasswordChange, remoteAddr string) (Session, error) {
	if !p.Authenticated() || p.UserID == "" {
		return Session{}, wrap("change password", errs.Unauthenticated("sign in to change your password"))
	}
	if in.Current == "" {
		return Session{}, wrap("change password", errs.Invalid("current", "is required: give your current password"))
	}
	if err := CheckPassword(in.New, p.Username); err != nil {
		return Session{}, wrap("change password", errs.Invalid("new", "%s", errs.MessageOf(err)))
	}
	if in.Confirm != "" && in.Confirm != in.New {
		return Session{}, wrap("change password", errs.Invalid("confirm", "does not match the new password"))
	}
	if in.New == in.Current {
		return Session{}, wrap("change password", errs.Invalid("new", "must differ from the current password"))
	}

	now := s.clock()
	addrKey := addressKey(remoteIP(remoteAddr))
	name, _ := normaliseLoginName(p.Username)
	retry, _, _, err := s.limiter.begin(ctx, now, name, addrKey)
	if err != nil {
		return Session{}, wrap("change password", err)
	}
	if retry > 0 {
		return Session{}, wrap("change password", &LimitedError{RetryAfter: retry})
	}
	var hash string
	var disabled bool
	err = s.db.QueryRow(ctx, `SELECT u.disabled, COALESCE(c.hash, '') FROM users u LEFT JOIN credentials c ON c.user_id = u.id WHERE u.id = ?`, p.UserID).Scan(&disabled, &hash)
	if store.IsNoRows(err) {
		return Session{}, wrap("change password", errs.Unauthenticated(msgSession))
	}
	if err != nil {
		return Session{}, wrap("change password", err)
	}
	match, _, err := s.checkHash(ctx, hash, in.Current)
	if err != nil {
		return Session{}, wrap("change password", err)
	}
	if disabled {
		return Session{}, wrap("change password", errs.Unauthenticated(msgSession))
	}
	if !match {
		return Session{}, wrap("change password", errs.Invalid("current", "is not your current password"))
	}
	if err := s.limiter.succeed(ctx, name, addrKey); err != nil {
		return Session{}, wrap("change password", err)
	}

	if err := s.SetPassword(ctx, p, p.UserID, in.New); err != nil {
		return Session{}, wrap("change password", err)
	}
	if p.Via != "session" && !strings.HasPrefix(p.Via, "session:") {
		return Session{}, nil
	}
	sess, _, err := s.Login(ctx, p.Username, in.New, remoteAddr)
	if err != nil {
		return Session{}, wrap("change password: sign in again", err)
	}
	return sess, nil
}
