// Package tokencache remembers bearer tokens the verifier accepted, so a
// client that sends the same token on every request costs one signature
// check per token rather than one per request.
//
// An entry never outlives the token's own exp, so an expired token always
// goes back to the verifier, which rejects it. An entry also lives at most
// MaxAge, which bounds how long a token signed with a key since removed from
// the JWKS keeps working. Only tokens the verifier accepted are stored, so
// garbage cannot fill the cache; it is bounded by MaxEntries all the same.
package tokencache

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/eventshop/eventshop/pkg/auth"
)

// Cache maps a token string to the identity it was verified to carry. It is
// safe for concurrent use. A nil *Cache remembers nothing: every token goes
// to the verifier.
type Cache struct {
	maxEntries int
	maxAge     time.Duration

	mu      sync.RWMutex
	entries map[string]entry
}

type entry struct {
	id    auth.Identity
	until int64 // unix nanoseconds after which the entry is void
}

// New returns a cache of at most maxEntries tokens, each kept at most maxAge.
func New(maxEntries int, maxAge time.Duration) *Cache {
	return &Cache{maxEntries: max(1, maxEntries), maxAge: maxAge, entries: make(map[string]entry)}
}

// Get returns the identity token was verified to carry, if it is cached and
// neither the token nor the entry has expired at now.
func (c *Cache) Get(token string, now time.Time) (auth.Identity, bool) {
	if c == nil {
		return auth.Identity{}, false
	}
	c.mu.RLock()
	e, ok := c.entries[token]
	c.mu.RUnlock()
	if !ok || now.UnixNano() >= e.until {
		return auth.Identity{}, false
	}
	return e.id, true
}

// Put stores a token the verifier accepted at now, until its exp or now +
// MaxAge, whichever comes first. A token whose exp cannot be read, or has
// passed, is not stored.
func (c *Cache) Put(token string, id auth.Identity, now time.Time) {
	exp, ok := expiry(token)
	if c == nil || !ok {
		return
	}
	until := min(exp.UnixNano(), now.Add(c.maxAge).UnixNano())
	if until <= now.UnixNano() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.maxEntries {
		c.evict(now.UnixNano())
	}
	c.entries[token] = entry{id: id, until: until}
}

// evict drops the void entries and, if that is not enough, arbitrary ones
// (map order is random) until an eighth of the room is free, so eviction
// runs once per many insertions rather than on each.
func (c *Cache) evict(now int64) {
	for k, e := range c.entries {
		if now >= e.until {
			delete(c.entries, k)
		}
	}
	target := c.maxEntries - max(1, c.maxEntries/8)
	for k := range c.entries {
		if len(c.entries) <= target {
			return
		}
		delete(c.entries, k)
	}
}

// expiry reads the exp claim of a token whose signature was already checked.
func expiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *float64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	sec := int64(*claims.Exp)
	return time.Unix(sec, int64((*claims.Exp-float64(sec))*1e9)), true
}
