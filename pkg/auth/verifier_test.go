package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/auth"
)

const secret = "test-secret-0123456789"

// mapClaims returns valid claims for alice; tests then break one field.
func mapClaims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub": "alice", "role": "customer", "iss": auth.DefaultIssuer,
		"aud": auth.DefaultAudience, "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

func with(edit func(jwt.MapClaims)) jwt.MapClaims {
	c := mapClaims()
	edit(c)
	return c
}

func signHS(t *testing.T, c jwt.MapClaims, key []byte) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signNone(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sign(t *testing.T, m jwt.SigningMethod, kid string, c jwt.MapClaims, key any) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tamper swaps the payload for one claiming the admin role, keeping the signature.
func tamper(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	body, _ := json.Marshal(with(func(c jwt.MapClaims) { c["role"] = "admin" }))
	parts[1] = base64.RawURLEncoding.EncodeToString(body)
	return strings.Join(parts, ".")
}

func hsVerifier(t *testing.T) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(context.Background(), auth.Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyHS256(t *testing.T) {
	t.Parallel()
	v := hsVerifier(t)
	rsaKey := mustRSA(t)
	valid := signHS(t, mapClaims(), []byte(secret))
	tests := []struct {
		name  string
		token string
		want  auth.Identity
		ok    bool
	}{
		{"valid customer", valid, auth.Identity{Subject: "alice", Role: "customer"}, true},
		{"valid admin", signHS(t, with(func(c jwt.MapClaims) { c["sub"], c["role"] = "admin", "admin" }), []byte(secret)),
			auth.Identity{Subject: "admin", Role: "admin"}, true},
		{"empty", "", auth.Identity{}, false},
		{"malformed", "not.a.jwt", auth.Identity{}, false},
		{"alg none", signNone(t, mapClaims()), auth.Identity{}, false},
		{"wrong secret", signHS(t, mapClaims(), []byte("other-secret")), auth.Identity{}, false},
		{"expired", signHS(t, with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), []byte(secret)), auth.Identity{}, false},
		{"no exp", signHS(t, with(func(c jwt.MapClaims) { delete(c, "exp") }), []byte(secret)), auth.Identity{}, false},
		{"nbf in future", signHS(t, with(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }), []byte(secret)), auth.Identity{}, false},
		{"wrong iss", signHS(t, with(func(c jwt.MapClaims) { c["iss"] = "evil" }), []byte(secret)), auth.Identity{}, false},
		{"wrong aud", signHS(t, with(func(c jwt.MapClaims) { c["aud"] = "other-api" }), []byte(secret)), auth.Identity{}, false},
		{"no sub", signHS(t, with(func(c jwt.MapClaims) { delete(c, "sub") }), []byte(secret)), auth.Identity{}, false},
		{"unknown role", signHS(t, with(func(c jwt.MapClaims) { c["role"] = "root" }), []byte(secret)), auth.Identity{}, false},
		{"tampered payload", tamper(t, valid), auth.Identity{}, false},
		{"RS256 without jwks", sign(t, jwt.SigningMethodRS256, "k1", mapClaims(), rsaKey), auth.Identity{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tt.token)
			if tt.ok != (err == nil) {
				t.Fatalf("Verify error = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("error %v does not wrap ErrInvalidToken", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewVerifierNeedsAKey(t *testing.T) {
	t.Parallel()
	if _, err := auth.NewVerifier(context.Background(), auth.Config{}); !errors.Is(err, auth.ErrNoKey) {
		t.Fatalf("NewVerifier without keys: err = %v, want ErrNoKey", err)
	}
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustEC(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, k *rsa.PublicKey) map[string]string {
	return map[string]string{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
}

func ecJWK(kid string, k *ecdsa.PublicKey) map[string]string {
	raw, _ := k.Bytes() // 0x04 || X || Y
	size := (len(raw) - 1) / 2
	return map[string]string{"kty": "EC", "kid": kid, "crv": "P-256",
		"x": b64(raw[1 : 1+size]), "y": b64(raw[1+size:])}
}

// jwksServer serves a key set that tests can replace, counting fetches.
type jwksServer struct {
	mu      sync.Mutex
	keys    []map[string]string
	fetches atomic.Int32
	url     string
}

func newJWKSServer(t *testing.T, keys ...map[string]string) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": s.keys})
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *jwksServer) set(keys ...map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func TestVerifyJWKS(t *testing.T) {
	t.Parallel()
	rsaKey, ecKey, otherRSA := mustRSA(t), mustEC(t), mustRSA(t)
	srv := newJWKSServer(t, rsaJWK("rsa1", &rsaKey.PublicKey), ecJWK("ec1", &ecKey.PublicKey))
	v, err := auth.NewVerifier(context.Background(), auth.Config{JWKSURL: srv.url})
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	alice := auth.Identity{Subject: "alice", Role: "customer"}
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"RS256", sign(t, jwt.SigningMethodRS256, "rsa1", mapClaims(), rsaKey), true},
		{"ES256", sign(t, jwt.SigningMethodES256, "ec1", mapClaims(), ecKey), true},
		{"HS256 signed with the RSA public key", sign(t, jwt.SigningMethodHS256, "rsa1", mapClaims(), pubPEM), false},
		{"HS256 signed with the RSA modulus", sign(t, jwt.SigningMethodHS256, "rsa1", mapClaims(), rsaKey.N.Bytes()), false},
		{"alg none", signNone(t, mapClaims()), false},
		{"unknown kid", sign(t, jwt.SigningMethodRS256, "nope", mapClaims(), rsaKey), false},
		{"no kid", sign(t, jwt.SigningMethodRS256, "", mapClaims(), rsaKey), false},
		{"signed by another key", sign(t, jwt.SigningMethodRS256, "rsa1", mapClaims(), otherRSA), false},
		{"RS256 key used for ES256", sign(t, jwt.SigningMethodES256, "rsa1", mapClaims(), ecKey), false},
		{"RS384 not allowed", sign(t, jwt.SigningMethodRS384, "rsa1", mapClaims(), rsaKey), false},
		{"expired", sign(t, jwt.SigningMethodRS256, "rsa1", with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), rsaKey), false},
		{"tampered", tamper(t, sign(t, jwt.SigningMethodRS256, "rsa1", mapClaims(), rsaKey)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tt.token)
			if tt.ok != (err == nil) {
				t.Fatalf("Verify error = %v, want ok %v", err, tt.ok)
			}
			if tt.ok && !cmp.Equal(alice, got) {
				t.Errorf("identity = %+v, want %+v", got, alice)
			}
		})
	}
}

func TestJWKSRefreshOnUnknownKidIsRateLimited(t *testing.T) {
	t.Parallel()
	oldKey, newKey := mustRSA(t), mustRSA(t)
	srv := newJWKSServer(t, rsaJWK("old", &oldKey.PublicKey))
	v, err := auth.NewVerifier(context.Background(), auth.Config{JWKSURL: srv.url})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	auth.SetClock(v, func() time.Time { return now })
	srv.set(rsaJWK("old", &oldKey.PublicKey), rsaJWK("new", &newKey.PublicKey))
	rotated := sign(t, jwt.SigningMethodRS256, "new", mapClaims(), newKey)

	for range 3 {
		if _, err := v.Verify(context.Background(), rotated); err == nil {
			t.Fatal("new kid accepted before a refresh was allowed")
		}
	}
	if got := srv.fetches.Load(); got != 1 {
		t.Fatalf("fetches = %d within the refresh interval, want 1", got)
	}
	now = now.Add(time.Minute)
	if _, err := v.Verify(context.Background(), rotated); err != nil {
		t.Fatalf("rotated key after refresh: %v", err)
	}
	if got := srv.fetches.Load(); got != 2 {
		t.Fatalf("fetches = %d, want 2", got)
	}
}

func TestNewVerifierFailsOnUnreachableJWKS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	if _, err := auth.NewVerifier(context.Background(), auth.Config{JWKSURL: srv.URL}); err == nil {
		t.Fatal("NewVerifier with a failing JWKS URL succeeded")
	}
}
