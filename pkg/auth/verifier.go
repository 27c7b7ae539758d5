package auth

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// leeway tolerates small clock differences between issuer and verifier.
const leeway = 5 * time.Second

// claims is the token body: the registered claims plus the platform's role.
type claims struct {
	jwt.RegisteredClaims
	Role string `json:"role"`
}

// Verifier checks bearer tokens: signature (with an algorithm allowed by the
// configuration only, so "none" and HS256-with-a-public-key are rejected),
// exp, nbf, iss, aud, and that sub and role are present and known.
// It is safe for concurrent use.
type Verifier struct {
	secret []byte
	keys   *keySet
	parser *jwt.Parser
}

// NewVerifier builds a Verifier from cfg. With a JWKS URL it fetches the key
// set once, so a wrong URL fails at start-up rather than on the first request.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	v := &Verifier{}
	var methods []string
	if cfg.Secret != "" {
		v.secret = []byte(cfg.Secret)
		methods = append(methods, jwt.SigningMethodHS256.Alg())
	}
	if cfg.JWKSURL != "" {
		v.keys = newKeySet(cfg.JWKSURL, &http.Client{Timeout: 5 * time.Second})
		v.keys.fetched = v.keys.now()
		if err := v.keys.refresh(ctx); err != nil {
			return nil, fmt.Errorf("load jwks: %w", err)
		}
		methods = append(methods, jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg())
	}
	if len(methods) == 0 {
		return nil, ErrNoKey
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods(methods),
		jwt.WithIssuer(cfg.issuer()),
		jwt.WithAudience(cfg.audience()),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(leeway),
	)
	return v, nil
}

// Verify checks token and returns the identity it carries. Every failure
// wraps ErrInvalidToken.
func (v *Verifier) Verify(ctx context.Context, token string) (Identity, error) {
	var c claims
	_, err := v.parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		return v.key(ctx, t)
	})
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.Subject == "" {
		return Identity{}, fmt.Errorf("%w: no subject", ErrInvalidToken)
	}
	if c.Role != RoleCustomer && c.Role != RoleAdmin {
		return Identity{}, fmt.Errorf("%w: unknown role %q", ErrInvalidToken, c.Role)
	}
	return Identity{Subject: c.Subject, Role: c.Role}, nil
}

// key picks the verification key by the token's algorithm family, so an HMAC
// token is only ever checked against the shared secret, never a public key.
func (v *Verifier) key(ctx context.Context, t *jwt.Token) (any, error) {
	if _, ok := t.Method.(*jwt.SigningMethodHMAC); ok {
		if v.secret == nil {
			return nil, ErrNoKey
		}
		return v.secret, nil
	}
	if v.keys == nil {
		return nil, ErrNoKey
	}
	kid, _ := t.Header["kid"].(string)
	return v.keys.lookup(ctx, kid, t.Method.Alg())
}
