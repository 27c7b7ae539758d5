package auth

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultTTL is the lifetime of an issued token when NewIssuer gets ttl <= 0.
const DefaultTTL = time.Hour

// devRole returns the role of a development account the Issuer signs
// tokens for, and whether user is one.
func devRole(user string) (string, bool) {
	switch user {
	case "alice", "bob":
		return RoleCustomer, true
	case "admin":
		return RoleAdmin, true
	}
	return "", false
}

// Issuer signs HS256 tokens for the development users alice and bob
// (customers) and admin (admin). It exists for local runs and tests; a
// production deployment uses an identity provider and a JWKS URL instead.
type Issuer struct {
	secret   []byte
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
}

// NewIssuer returns an Issuer signing with cfg.Secret for cfg's issuer and
// audience; ttl <= 0 means DefaultTTL.
func NewIssuer(cfg Config, ttl time.Duration) *Issuer {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Issuer{
		secret:   []byte(cfg.Secret),
		issuer:   cfg.issuer(),
		audience: cfg.audience(),
		ttl:      ttl,
		now:      time.Now,
	}
}

// TTL is how long the issued tokens are valid.
func (is *Issuer) TTL() time.Duration { return is.ttl }

// Token signs a token for the development user named user; any other name
// is ErrUnknownUser.
func (is *Issuer) Token(user string) (string, error) {
	role, ok := devRole(user)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownUser, user)
	}
	return is.Sign(Identity{Subject: user, Role: role})
}

// Sign signs a token for an arbitrary identity, for tests that need callers
// beyond the development users.
func (is *Issuer) Sign(id Identity) (string, error) {
	if len(is.secret) == 0 {
		return "", ErrNoKey
	}
	now := is.now()
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   id.Subject,
			Issuer:    is.issuer,
			Audience:  jwt.ClaimStrings{is.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(is.ttl)),
		},
		Role: id.Role,
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(is.secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}
