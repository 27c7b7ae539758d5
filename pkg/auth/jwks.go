package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// minRefresh bounds how often an unknown kid may trigger a JWKS fetch, so a
// stream of forged kids cannot turn the verifier into a load generator.
const minRefresh = 30 * time.Second

// errUnknownKey is returned for a kid the key set does not hold.
var errUnknownKey = errors.New("unknown key id")

// jwk is the subset of RFC 7517 fields needed for RSA and EC public keys.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// publicKey is a parsed JWK with the algorithm it is meant for ("" = any of its family).
type publicKey struct {
	alg string
	key any
}

// keySet caches a JWKS document and refetches it when a token names a kid it
// does not know, at most once per minRefresh.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	keys    map[string]publicKey
	fetched time.Time
}

func newKeySet(url string, client *http.Client) *keySet {
	return &keySet{url: url, client: client, now: time.Now, keys: map[string]publicKey{}}
}

func (s *keySet) lookup(ctx context.Context, kid, alg string) (any, error) {
	k, ok, refresh := s.find(kid)
	if refresh {
		// Fetch outside the lock, so tokens with known kids never wait on
		// the identity provider.
		if err := s.refresh(ctx); err != nil {
			return nil, err
		}
		k, ok, _ = s.find(kid)
	}
	if !ok {
		return nil, fmt.Errorf("%w %q", errUnknownKey, kid)
	}
	if k.alg != "" && k.alg != alg {
		return nil, fmt.Errorf("key %q is for %s, token uses %s", kid, k.alg, alg)
	}
	return k.key, nil
}

// find looks kid up; refresh is true when kid is unknown and a fetch is due,
// in which case the fetch time is claimed so concurrent callers do not fetch too.
func (s *keySet) find(kid string) (k publicKey, ok, refresh bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok = s.keys[kid]
	if !ok && s.now().Sub(s.fetched) >= minRefresh {
		s.fetched = s.now()
		return k, false, true
	}
	return k, ok, false
}

// refresh fetches the key set and replaces the cached keys.
func (s *keySet) refresh(ctx context.Context) error {
	keys, err := s.fetch(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
	return nil
}

func (s *keySet) fetch(ctx context.Context) (map[string]publicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks request: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks: status %d", resp.StatusCode)
	}
	var doc struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode jwks: %w", err)
	}
	return parseKeys(doc.Keys), nil
}

// parseKeys keeps the signing keys it understands and skips the rest, so one
// exotic key in a provider's set does not disable the others.
func parseKeys(jwks []jwk) map[string]publicKey {
	keys := make(map[string]publicKey, len(jwks))
	for _, k := range jwks {
		if k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub, err := k.publicKey()
		if err != nil {
			continue
		}
		keys[k.Kid] = publicKey{alg: k.Alg, key: pub}
	}
	return keys
}

func (k jwk) publicKey() (any, error) {
	switch k.Kty {
	case "RSA":
		return k.rsaKey()
	case "EC":
		return k.ecKey()
	default:
		return nil, fmt.Errorf("unsupported key type %q", k.Kty)
	}
}

func (k jwk) rsaKey() (*rsa.PublicKey, error) {
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil {
		return nil, fmt.Errorf("rsa modulus: %w", err)
	}
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("rsa exponent")
	}
	exp := new(big.Int).SetBytes(e)
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, nil
}

func (k jwk) ecKey() (*ecdsa.PublicKey, error) {
	var curve elliptic.Curve
	switch k.Crv {
	case "P-256":
		curve = elliptic.P256()
	case "P-384":
		curve = elliptic.P384()
	case "P-521":
		curve = elliptic.P521()
	default:
		return nil, fmt.Errorf("unsupported curve %q", k.Crv)
	}
	size := (curve.Params().BitSize + 7) / 8
	x, errX := base64.RawURLEncoding.DecodeString(k.X)
	y, errY := base64.RawURLEncoding.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != size || len(y) != size {
		return nil, errors.New("ec coordinates")
	}
	point := append(append([]byte{4}, x...), y...)
	// ParseUncompressedPublicKey checks that the point is on the curve.
	return ecdsa.ParseUncompressedPublicKey(curve, point)
}
