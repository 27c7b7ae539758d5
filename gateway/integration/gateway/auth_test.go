package gateway_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/auth"
	"github.com/eventshop/eventshop/testkit"
)

// jwks serves one RSA key as kid "k1" and returns the private key.
func jwks(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	doc := map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes()),
	}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(srv.Close)
	return k, srv.URL
}

func claims(edit func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"sub": "alice", "role": "customer", "iss": auth.DefaultIssuer, "aud": auth.DefaultAudience,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if edit != nil {
		edit(c)
	}
	return c
}

func signed(t *testing.T, m jwt.SigningMethod, kid string, c jwt.MapClaims, key any) string {
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

func TestJWTAttacksNeverReachTheUpstream(t *testing.T) {
	t.Parallel()
	for _, off := range []bool{false, true} {
		t.Run(map[bool]string{false: "token cache", true: "every token verified"}[off], func(t *testing.T) {
			t.Parallel()
			testJWTAttacks(t, off)
		})
	}
}

func testJWTAttacks(t *testing.T, tokenCacheOff bool) {
	key, jwksURL := jwks(t)
	cfg := testConfig()
	cfg.Auth.JWKSURL = jwksURL
	cfg.TokenCacheOff = tokenCacheOff
	h := newHarness(t, cfg, nil)
	hs := []byte(secret)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	valid := signed(t, jwt.SigningMethodHS256, "", claims(nil), hs)
	parts := strings.Split(valid, ".")
	forged, _ := json.Marshal(claims(func(c jwt.MapClaims) { c["sub"] = "bob" }))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)

	attacks := []struct{ name, authz string }{
		{"missing", ""},
		{"not bearer", "Authorization: Basic YWxpY2U6cHc="},
		{"malformed", bearer("abc.def")},
		{"alg none", bearer(none)},
		{"HS256 signed with the RSA public key", bearer(signed(t, jwt.SigningMethodHS256, "k1", claims(nil), pubPEM))},
		{"expired", bearer(signed(t, jwt.SigningMethodHS256, "", claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), hs))},
		{"nbf in the future", bearer(signed(t, jwt.SigningMethodHS256, "", claims(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }), hs))},
		{"wrong iss", bearer(signed(t, jwt.SigningMethodHS256, "", claims(func(c jwt.MapClaims) { c["iss"] = "evil" }), hs))},
		{"wrong aud", bearer(signed(t, jwt.SigningMethodHS256, "", claims(func(c jwt.MapClaims) { c["aud"] = "other" }), hs))},
		{"tampered payload", bearer(tampered)},
		{"unknown kid", bearer(signed(t, jwt.SigningMethodRS256, "k2", claims(nil), key))},
		{"wrong secret", bearer(signed(t, jwt.SigningMethodHS256, "", claims(nil), []byte("guess")))},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			before := h.up["order"].count()
			var headers []string
			if a.authz != "" {
				headers = append(headers, a.authz)
			}
			resp, body := h.do(t, http.MethodGet, "/api/v1/orders", "", headers...)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401; body %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type = %q, want problem+json", ct)
			}
			if got := h.up["order"].count(); got != before {
				t.Errorf("upstream saw %d requests, want none", got-before)
			}
		})
	}
	t.Run("valid RS256 and HS256 pass", func(t *testing.T) {
		for _, tok := range []string{valid, signed(t, jwt.SigningMethodRS256, "k1", claims(nil), key)} {
			resp, body := h.do(t, http.MethodGet, "/api/v1/orders", "", bearer(tok))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, body)
			}
			if got := h.up["order"].last().Header.Get("Authorization"); got != "Bearer "+tok {
				t.Errorf("upstream Authorization = %q, want the client's token", got)
			}
		}
	})
}

func TestAuthorisationPerRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	alice, admin := h.token(t, "alice"), h.token(t, "admin")
	tests := []struct {
		name, method, path, authz string
		want                      int
	}{
		{"anonymous catalogue", "GET", "/api/v1/products", "", 200},
		{"anonymous orders", "GET", "/api/v1/orders", "", 401},
		{"anonymous place order", "POST", "/api/v1/orders", "", 401},
		{"customer orders", "GET", "/api/v1/orders", bearer(alice), 200},
		{"customer admin inventory", "GET", "/api/v1/admin/inventory", bearer(alice), 403},
		{"customer admin payments", "GET", "/api/v1/admin/payments", bearer(alice), 403},
		{"customer restock", "POST", "/api/v1/admin/products/SKU-1/restock", bearer(alice), 403},
		{"customer breakers", "GET", "/api/v1/admin/breakers", bearer(alice), 403},
		{"customer dlq", "GET", "/api/v1/admin/dlq", bearer(alice), 403},
		{"anonymous breakers", "GET", "/api/v1/admin/breakers", "", 401},
		{"admin inventory", "GET", "/api/v1/admin/inventory", bearer(admin), 200},
		{"admin breakers", "GET", "/api/v1/admin/breakers", bearer(admin), 200},
		{"admin order", "GET", "/api/v1/orders/o-1", bearer(admin), 200},
		{"admin places order", "POST", "/api/v1/orders", bearer(admin), 403},
		{"customer timeline", "GET", "/api/v1/orders/o-1/timeline", bearer(alice), 200},
		{"customer trace", "GET", "/api/v1/orders/o-1/trace", bearer(alice), 200},
		{"anonymous trace", "GET", "/api/v1/orders/o-1/trace", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.authz != "" {
				headers = []string{tt.authz}
			}
			body := ""
			if tt.method == "POST" {
				body = `{}`
			}
			resp, got := h.do(t, tt.method, tt.path, body, headers...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.want, got)
			}
		})
	}
}

func TestClientIdentityHeadersAreStripped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	tp := "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	resp, body := h.do(t, "GET", "/api/v1/orders", "", bearer(h.token(t, "alice")),
		"X-User-Id: admin", "X-User-Role: admin", "X-Forwarded-User: admin", "X-Auth-Request-User: admin",
		"X-Request-Id: req-123", "Traceparent: "+tp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d; body %s", resp.StatusCode, body)
	}
	got := h.up["order"].last().Header
	for _, k := range []string{"X-User-Id", "X-User-Role", "X-Forwarded-User", "X-Auth-Request-User"} {
		if v := got.Values(k); len(v) > 0 {
			t.Errorf("upstream got %s: %v", k, v)
		}
	}
	if diff := cmp.Diff("req-123", got.Get("X-Request-Id")); diff != "" {
		t.Errorf("X-Request-Id (-want +got): %s", diff)
	}
	if resp.Header.Get("X-Request-Id") != "req-123" {
		t.Errorf("response X-Request-Id = %q", resp.Header.Get("X-Request-Id"))
	}
	// Without tracing the client's traceparent goes upstream as it came;
	// with tracing, the gateway's span in the same trace.
	if up := got.Get("Traceparent"); !strings.HasPrefix(up, tp[:36]) {
		t.Errorf("upstream traceparent = %q, want one in the trace of %q", up, tp)
	}
}

func TestDevIssuer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	resp, body := h.do(t, "POST", "/api/v1/auth/token", `{"username":"alice"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d; body %s", resp.StatusCode, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || tok.AccessToken == "" {
		t.Fatalf("token response = %+v", tok)
	}
	if resp, _ := h.do(t, "GET", "/api/v1/orders", "", bearer(tok.AccessToken)); resp.StatusCode != http.StatusOK {
		t.Errorf("issued token refused: %d", resp.StatusCode)
	}
	if resp, _ := h.do(t, "POST", "/api/v1/auth/token", `{"username":"mallory"}`); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown user: status = %d, want 401", resp.StatusCode)
	}

	cfg := testConfig()
	cfg.DevIssuer = false
	off := newHarness(t, cfg, nil)
	if resp, _ := off.do(t, "POST", "/api/v1/auth/token", `{"username":"alice"}`); resp.StatusCode != http.StatusNotFound {
		t.Errorf("disabled issuer: status = %d, want 404", resp.StatusCode)
	}
}

// TestCachedTokenIsRejectedOnceExpired checks the verified-token cache never
// outlives a token: the same token that passed is refused after its exp
// (plus the verifier's clock leeway of a few seconds).
func TestCachedTokenIsRejectedOnceExpired(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	short := claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(2 * time.Second).Unix() })
	authz := bearer(signed(t, jwt.SigningMethodHS256, "", short, []byte(secret)))
	if resp, body := h.do(t, "GET", "/api/v1/orders", "", authz); resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh token: %d %s", resp.StatusCode, body)
	}
	testkit.Eventually(t, 15*time.Second, func() bool {
		resp, _ := h.do(t, "GET", "/api/v1/orders", "", authz)
		return resp.StatusCode == http.StatusUnauthorized
	}, "an expired token that was cached is still accepted")
}
