package load

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
)

// Tokens gives the run's callers their bearer tokens.
type Tokens interface {
	// Customer returns the token of the i-th synthetic customer (0-based).
	// Distinct i must be distinct users.
	Customer(i int) (string, error)
	// Admin returns a token with the admin role, used to read and restock
	// the inventory before the run.
	Admin() (string, error)
}

// SignedTokens signs tokens with the platform's HS256 secret, as an
// identity provider would: the development issuer behind
// POST /api/v1/auth/token only knows alice, bob and admin, and a load of
// two customers would hit the per-user rate limits at once and leave
// "own orders only" untested. Customers are named load-<run>-<n>, where
// <run> is random per SignedTokens, so two runs never share a customer.
type SignedTokens struct {
	issuer *auth.Issuer
	run    string
}

// NewSignedTokens signs with secret for the platform's default issuer and
// audience; tokens live for ttl (at least the run and its settling).
func NewSignedTokens(secret string, ttl time.Duration) (*SignedTokens, error) {
	if secret == "" {
		return nil, fmt.Errorf("signed tokens: %w", auth.ErrNoKey)
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return &SignedTokens{
		issuer: auth.NewIssuer(auth.Config{Secret: secret}, ttl),
		run:    hex.EncodeToString(b),
	}, nil
}

// CustomerName is the user name of the i-th customer.
func (t *SignedTokens) CustomerName(i int) string {
	return fmt.Sprintf("load-%s-%04d", t.run, i)
}

// Customer signs the i-th customer's token.
func (t *SignedTokens) Customer(i int) (string, error) {
	return t.issuer.Sign(auth.Identity{Subject: t.CustomerName(i), Role: auth.RoleCustomer})
}

// Admin signs a token for the development admin.
func (t *SignedTokens) Admin() (string, error) {
	return t.issuer.Sign(auth.Identity{Subject: "admin", Role: auth.RoleAdmin})
}
