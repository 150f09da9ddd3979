package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// An API token is "truce_" + token id + "_" + base64url of 32 random bytes,
// e.g. truce_tok_0123456789abcdefghjk_<43 characters>. The id finds the
// token; the log keeps only the SHA-256 of the secret, which at 256 random
// bits cannot be guessed from it.
const (
	tokenScheme    = "truce_"
	tokenIDLen     = len(tokenPrefix) + 1 + 20 // as store.NewID makes them
	tokenSecretLen = 43
	tokenLen       = len(tokenScheme) + tokenIDLen + 1 + tokenSecretLen
	maxTokenName   = 100
	// idAlphabet is store.NewID's alphabet.
	idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
)

const msgToken = "the bearer token is not valid, has expired or was revoked"

// Token is an API token as listed: never its secret nor the secret's hash.
type Token struct {
	ID        string     `json:"id"`
	User      string     `json:"user"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// tokenBody is a token's change body.
type tokenBody struct {
	User         string     `json:"user"`
	Name         string     `json:"name"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	SecretSHA256 string     `json:"secret_sha256"`
}

func (b tokenBody) token(id string) Token {
	return Token{ID: id, User: b.User, Name: b.Name, CreatedAt: b.CreatedAt, ExpiresAt: b.ExpiresAt, RevokedAt: b.RevokedAt}
}

// CreateToken creates an API token for user userID, named name (what it
// is for), valid for expiresIn (0: until revoked). It returns the token and
// its plaintext, which is shown once and never again. A user makes tokens
// for themself only: a token for another user would hand its reach to the
// one who holds it, admins included. The operator makes one for any user.
func (s *Service) CreateToken(ctx context.Context, p access.Principal, userID, name string, expiresIn time.Duration) (Token, string, error) {
	if err := mayCreateToken(p, userID); err != nil {
		return Token{}, "", wrap("create token", err)
	}
	actor := p.Actor()
	if err := text.CheckName("name", name, maxTokenName); err != nil {
		return Token{}, "", wrap("create token", err)
	}
	if expiresIn < 0 {
		return Token{}, "", wrap("create token", errs.Invalid("expires_in", "must not be negative (0 means never)"))
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	sum := sha256.Sum256(secret)
	id := s.db.NewID(tokenPrefix)
	plain := tokenScheme + id + "_" + base64.RawURLEncoding.EncodeToString(secret)
	var out Token
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		var disabled bool
		err := tx.QueryRow(`SELECT disabled FROM users WHERE id = ?`, userID).Scan(&disabled)
		if store.IsNoRows(err) {
			return errs.NotFound("user %s not found", userID)
		}
		if err != nil {
			return err
		}
		if disabled {
			return errs.Invalid("user", "the account is disabled")
		}
		b := tokenBody{User: userID, Name: name, CreatedAt: tx.Now(), SecretSHA256: hex.EncodeToString(sum[:])}
		if expiresIn > 0 {
			t := b.CreatedAt.Add(expiresIn).Truncate(time.Microsecond)
			b.ExpiresAt = &t
		}
		if _, err := tx.Record(store.Change{Entity: EntityToken, ID: id, Version: 1, Actor: actor, Body: b}); err != nil {
			return err
		}
		out = b.token(id)
		return s.recordEvent(tx, actor, authEventBody{Kind: EventTokenCreated, User: userID, Token: id})
	})
	if err != nil {
		return Token{}, "", wrap("create token", err)
	}
	return out, plain, nil
}

// mayCreateToken: a user for themself, the operator for anyone.
func mayCreateToken(p access.Principal, userID string) error {
	switch {
	case isOperator(p):
		return nil
	case !p.Authenticated():
		return errs.Unauthenticated("sign in or send a bearer token")
	case userID != p.UserID:
		return errs.Forbidden("a token is made by its own user, for themself: nobody, admins included, makes one for another user")
	}
	return nil
}

// ListTokens lists a user's tokens, oldest first, revoked and expired ones
// included: the user's own, or anyone's to an admin or the operator.
func (s *Service) ListTokens(ctx context.Context, p access.Principal, userID string) ([]Token, error) {
	if !p.Authenticated() || userID != p.UserID {
		if err := manage(p); err != nil {
			return nil, wrap("list tokens", err)
		}
	}
	rows, err := s.db.Query(ctx, `SELECT id, user_id, name, created_at, expires_at, revoked_at FROM tokens WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, wrap("list tokens", err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var created string
		var expires, revoked sql.NullString
		if err := rows.Scan(&t.ID, &t.User, &t.Name, &created, &expires, &revoked); err != nil {
			return nil, wrap("list tokens", err)
		}
		if t.CreatedAt, err = parseTime(created); err != nil {
			return nil, wrap("list tokens", err)
		}
		if t.ExpiresAt, err = nullTime(expires); err != nil {
			return nil, wrap("list tokens", err)
		}
		if t.RevokedAt, err = nullTime(revoked); err != nil {
			return nil, wrap("list tokens", err)
		}
		out = append(out, t)
	}
	return out, wrap("list tokens", rows.Err())
}

// RevokeToken revokes a token for good: the token's user, an admin or the
// operator may. To anyone else the token is not found. Revoking a revoked
// token is a conflict.
func (s *Service) RevokeToken(ctx context.Context, p access.Principal, tokenID string) (Token, error) {
	if !p.Authenticated() {
		return Token{}, wrap("revoke token", errs.Unauthenticated("sign in or send a bearer token"))
	}
	actor := p.Actor()
	var out Token
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		var body []byte
		var version int64
		err := tx.QueryRow(`SELECT body, version FROM changes WHERE entity = ? AND id = ? ORDER BY version DESC LIMIT 1`, EntityToken, tokenID).Scan(&body, &version)
		if store.IsNoRows(err) {
			return errs.NotFound("token %s not found", tokenID)
		}
		if err != nil {
			return err
		}
		b, err := decodeTokenBody(tokenID, body)
		if err != nil {
			return err
		}
		if b.User != p.UserID && manage(p) != nil {
			return errs.NotFound("token %s not found", tokenID)
		}
		if b.RevokedAt != nil {
			return errs.Conflict("revoked_at", "token %s was revoked at %s", tokenID, b.RevokedAt.Format(time.RFC3339))
		}
		now := tx.Now()
		b.RevokedAt = &now
		// The revocation is the last change made with the token (a token
		// may revoke itself): nothing after it may name it.
		if err := s.recordEvent(tx, actor, authEventBody{Kind: EventTokenRevoked, User: b.User, Token: tokenID}); err != nil {
			return err
		}
		if _, err := tx.Record(store.Change{Entity: EntityToken, ID: tokenID, Version: version + 1, Actor: actor, Body: b}); err != nil {
			return err
		}
		out = b.token(tokenID)
		return nil
	})
	return out, wrap("revoke token", err)
}

// AuthenticateToken returns the principal of a bearer token. A token that
// is malformed, unknown, wrong, expired or revoked, or whose user is
// disabled, is refused with errs.Unauthenticated and one message.
func (s *Service) AuthenticateToken(ctx context.Context, bearer string) (access.Principal, error) {
	refuse := func() (access.Principal, error) {
		return access.Principal{}, wrap("authenticate token", errs.Unauthenticated(msgToken))
	}
	id, sum, ok := parseToken(bearer)
	if !ok {
		return refuse()
	}
	var (
		secretHex, username, org, orgKind, roles, userID string
		expires, revoked                                 sql.NullString
		disabled                                         bool
	)
	err := s.db.QueryRow(ctx, `SELECT t.secret_sha256, t.expires_at, t.revoked_at, u.id, u.username, u.org, COALESCE(o.kind, ''), u.roles, u.disabled
		FROM tokens t JOIN users u ON u.id = t.user_id LEFT JOIN organisations o ON o.id = u.org
		WHERE t.id = ?`, id).Scan(&secretHex, &expires, &revoked, &userID, &username, &org, &orgKind, &roles, &disabled)
	if store.IsNoRows(err) {
		return refuse()
	}
	if err != nil {
		return access.Principal{}, wrap("authenticate token", err)
	}
	want, err := hex.DecodeString(secretHex)
	if err != nil || subtle.ConstantTimeCompare(sum[:], want) != 1 {
		return refuse()
	}
	if revoked.Valid || disabled {
		return refuse()
	}
	if expires.Valid {
		t, err := parseTime(expires.String)
		if err != nil {
			return access.Principal{}, wrap("authenticate token", err)
		}
		if !s.clock().Before(t) {
			return refuse()
		}
	}
	return principal(userID, username, org, orgKind, roles, ViaToken(id)), nil
}

// parseToken checks a token's shape strictly and returns its id and the
// SHA-256 of its secret.
func parseToken(s string) (id string, sum [32]byte, ok bool) {
	if len(s) != tokenLen || !strings.HasPrefix(s, tokenScheme) {
		return "", sum, false
	}
	rest := s[len(tokenScheme):]
	id, secret := rest[:tokenIDLen], rest[tokenIDLen:]
	if !strings.HasPrefix(id, tokenPrefix+"_") || secret[0] != '_' {
		return "", sum, false
	}
	for i := len(tokenPrefix) + 1; i < len(id); i++ {
		if strings.IndexByte(idAlphabet, id[i]) < 0 {
			return "", sum, false
		}
	}
	raw, err := b64url.DecodeString(secret[1:])
	if err != nil || len(raw) != 32 {
		return "", sum, false
	}
	return id, sha256.Sum256(raw), true
}

func decodeTokenBody(id string, body []byte) (tokenBody, error) {
	var b tokenBody
	if body == nil {
		return b, fmt.Errorf("token %s: body erased", id)
	}
	if err := store.DecodeBody(body, &b); err != nil {
		return b, fmt.Errorf("token %s: %w", id, err)
	}
	return b, nil
}

func nullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
