// Package auth verifies the platform's JWT bearer tokens and carries the
// caller's identity through a request. The gateway and every service use the
// same Verifier, so no layer ever trusts an identity it has not checked itself.
package auth

import (
	"context"
	"errors"
)

// Role names carried in the token's "role" claim.
const (
	RoleCustomer = "customer"
	RoleAdmin    = "admin"
)

// Defaults for Config.Issuer and Config.Audience when they are empty.
const (
	DefaultIssuer   = "eventshop"
	DefaultAudience = "eventshop-api"
)

// Errors returned by Verify and the Issuer. Verify wraps the library's reason
// in ErrInvalidToken, so callers need only errors.Is(err, ErrInvalidToken).
var (
	ErrInvalidToken = errors.New("invalid token")
	ErrNoKey        = errors.New("no verification key configured")
	ErrUnknownUser  = errors.New("unknown user")
)

// Config selects how tokens are verified. Secret enables HS256 (development);
// JWKSURL enables RS256 and ES256 with keys fetched from a JSON Web Key Set
// (production). At least one must be set. An empty Issuer or Audience means
// DefaultIssuer or DefaultAudience.
//
// Its tags are the same variables in every service's configuration, which
// holds it as its Auth field: <SERVICE>_JWT_SECRET, _JWKS_URL, _JWT_ISSUER
// and _JWT_AUDIENCE.
type Config struct {
	Secret   string `env:"JWT_SECRET" secret:"true"`
	JWKSURL  string `env:"JWKS_URL"`
	Issuer   string `env:"JWT_ISSUER" envDefault:"eventshop"`
	Audience string `env:"JWT_AUDIENCE" envDefault:"eventshop-api"`
}

func (c Config) issuer() string {
	if c.Issuer == "" {
		return DefaultIssuer
	}
	return c.Issuer
}

func (c Config) audience() string {
	if c.Audience == "" {
		return DefaultAudience
	}
	return c.Audience
}

// Identity is the verified caller: Subject is the user name from "sub", Role
// one of RoleCustomer or RoleAdmin.
type Identity struct {
	Subject string
	Role    string
}

// IsAdmin reports whether the identity has the admin role.
func (i Identity) IsAdmin() bool { return i.Role == RoleAdmin }

// IsCustomer reports whether the identity has the customer role.
func (i Identity) IsCustomer() bool { return i.Role == RoleCustomer }

type identityKey struct{}

// WithIdentity returns a context that carries id; FromContext reads it back.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the identity the middleware stored in ctx, and false
// for an anonymous request.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}
