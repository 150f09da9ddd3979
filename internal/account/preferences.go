package account

import (
	"context"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Preferences are a user's interface choices: language (a BCP 47 tag)
// and IANA time zone; empty when never chosen.
type Preferences struct {
	Language string `json:"language"`
	TimeZone string `json:"time_zone"`
}

// Preferences returns p's own preferences; an anonymous reader has none.
func (s *Service) Preferences(ctx context.Context, p access.Principal) (Preferences, error) {
	var pr Preferences
	if !p.Authenticated() {
		return pr, nil
	}
	err := s.db.QueryRow(ctx, `SELECT language, time_zone FROM web_preferences WHERE user_id = ?`, p.UserID).Scan(&pr.Language, &pr.TimeZone)
	if store.IsNoRows(err) {
		return Preferences{}, nil
	}
	return pr, wrap("preferences", err)
}

// SavePreferences replaces p's own preferences. They are the interface's,
// not the record's: kept beside the log, not in it.
func (s *Service) SavePreferences(ctx context.Context, p access.Principal, pr Preferences) error {
	if !p.Authenticated() {
		return errs.Unauthenticated("sign in to keep preferences")
	}
	if pr.Language != "" && !checkLanguageTag(pr.Language) {
		return errs.Invalid("language", "must be a language tag such as en, ru or ar")
	}
	if tz := pr.TimeZone; tz != "" {
		if len(tz) > 64 || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") {
			return errs.Invalid("time_zone", "must be an IANA time zone such as Asia/Baku")
		}
		if _, err := time.LoadLocation(tz); err != nil {
			return errs.Invalid("time_zone", "must be an IANA time zone such as Asia/Baku")
		}
	}
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecSide(`INSERT INTO web_preferences (user_id, language, time_zone, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, time_zone = excluded.time_zone, updated_at = excluded.updated_at`,
			p.UserID, pr.Language, pr.TimeZone, tx.Now().UTC().Format(time.RFC3339Nano))
		return err
	})
	return wrap("save preferences", err)
}

// ClaimSubmission claims a form's idempotency key for p, so that a form
// sent twice creates one record. When the key was used before, it returns
// where the first submission led, with seen true.
func (s *Service) ClaimSubmission(ctx context.Context, p access.Principal, key string) (result string, seen bool, err error) {
	if key == "" {
		return "", false, nil
	}
	if !p.Authenticated() {
		return "", false, errs.Unauthenticated("sign in to send a form")
	}
	if len(key) > 64 {
		return "", false, errs.Invalid("form_key", "is not a form key")
	}
	for range 50 {
		var inserted bool
		_, err = s.db.Write(ctx, func(tx *store.Tx) error {
			now := tx.Now().UTC()
			if _, err := tx.ExecSide(`DELETE FROM web_submissions WHERE created_at < ?`, now.Add(-24*time.Hour).Format(time.RFC3339Nano)); err != nil {
				return err
			}
			res, err := tx.ExecSide(`INSERT INTO web_submissions (user_id, form_key, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				p.UserID, key, now.Format(time.RFC3339Nano))
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			inserted = n == 1
			return nil
		})
		if err != nil || inserted {
			return "", false, wrap("claim form", err)
		}
		err = s.db.QueryRow(ctx, `SELECT result FROM web_submissions WHERE user_id = ? AND form_key = ?`, p.UserID, key).Scan(&result)
		if err != nil && !store.IsNoRows(err) {
			return "", false, wrap("claim form", err)
		}
		if result != "" {
			return result, true, nil
		}
		// The first submission is still being handled: wait for it.
		select {
		case <-ctx.Done():
			return "", false, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return "", true, errs.Conflict("form_key", "this form is being submitted already")
}

// FinishSubmission records where p's claimed submission led; a failed one
// ("" result) gives its key back so that the corrected form can be sent.
func (s *Service) FinishSubmission(ctx context.Context, p access.Principal, key, result string) error {
	if key == "" || !p.Authenticated() {
		return nil
	}
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if result == "" {
			_, err = tx.ExecSide(`DELETE FROM web_submissions WHERE user_id = ? AND form_key = ?`, p.UserID, key)
		} else {
			_, err = tx.ExecSide(`UPDATE web_submissions SET result = ? WHERE user_id = ? AND form_key = ?`, result, p.UserID, key)
		}
		return err
	})
	return wrap("finish form", err)
}
