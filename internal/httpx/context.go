package httpx

import (
	"context"

	"github.com/truce-monitoring/truce/internal/access"
)

type principalKey struct{}

// WithPrincipal returns a context carrying who is making the request; the
// server's authentication middleware sets it on every API request.
func WithPrincipal(ctx context.Context, p access.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the request's principal (Anonymous when none).
func PrincipalFrom(ctx context.Context) access.Principal {
	if p, ok := ctx.Value(principalKey{}).(access.Principal); ok {
		return p
	}
	return access.Anonymous
}
