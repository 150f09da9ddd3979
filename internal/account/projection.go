package account

import (
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/store"
)

// projections returns the package's projections. Their tables are created
// by the store's migrations 0004_account.sql and 0020_role_requests.sql; each is a pure function of
// (id, body).
func projections() []store.Projection {
	return []store.Projection{
		store.Typed(EntityUser, []store.Table{
			{Name: "users", Columns: []string{"id", "username", "org", "disabled", "roles"}},
		}, userRows),
		store.Typed(EntityToken, []store.Table{
			{Name: "tokens", Columns: []string{"id", "user_id", "name", "created_at", "expires_at", "revoked_at", "secret_sha256"}},
		}, tokenRows),
		store.Typed(EntityRoleRequest, []store.Table{
			{Name: "role_requests", Columns: []string{"id", "user_id", "username", "state", "requested_by", "requested_at"}},
		}, roleRequestRows),
		store.Typed(EntityAuthEvent, []store.Table{
			{Name: "auth_events", Columns: []string{"id", "kind", "user_id", "at"}},
		}, authEventRows),
	}
}

func userRows(id string, b *userBody) (map[string][][]any, error) {
	roles := make([]string, len(b.Roles))
	for i, r := range b.Roles {
		roles[i] = string(r)
	}
	return map[string][][]any{
		"users": {{id, b.Username, b.Org, b.Disabled, strings.Join(roles, ",")}},
	}, nil
}

func tokenRows(id string, b *tokenBody) (map[string][][]any, error) {
	return map[string][][]any{
		"tokens": {{id, b.User, b.Name, formatTime(b.CreatedAt), optionalTime(b.ExpiresAt), optionalTime(b.RevokedAt), b.SecretSHA256}},
	}, nil
}

func authEventRows(id string, b *authEventBody) (map[string][][]any, error) {
	var user any
	if b.User != "" {
		user = b.User
	}
	return map[string][][]any{
		"auth_events": {{id, b.Kind, user, formatTime(b.At)}},
	}, nil
}

// optionalTime is a nullable time column.
func optionalTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}
