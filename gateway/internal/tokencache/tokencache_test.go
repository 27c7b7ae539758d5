package tokencache_test

import (
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/gateway/internal/tokencache"
	"github.com/eventshop/eventshop/pkg/auth"
)

var (
	t0    = time.Unix(1_800_000_000, 0)
	alice = auth.Identity{Subject: "alice", Role: auth.RoleCustomer}
)

// token is a token-shaped string with the given payload; the cache never
// checks signatures, the verifier has done that before Put.
func token(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256"}`)) + "." + enc([]byte(payload)) + ".sig"
}

func expAt(t time.Time) string {
	return token(`{"sub":"alice","exp":` + strconv.FormatInt(t.Unix(), 10) + `}`)
}

func TestGet(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		getAt  time.Time
		wantOK bool
	}{
		{"before exp", expAt(t0.Add(10 * time.Second)), t0.Add(9 * time.Second), true},
		{"at exp the token is expired", expAt(t0.Add(10 * time.Second)), t0.Add(10 * time.Second), false},
		{"after exp", expAt(t0.Add(10 * time.Second)), t0.Add(time.Hour), false},
		{"max age bounds a long-lived token", expAt(t0.Add(24 * time.Hour)), t0.Add(2 * time.Minute), false},
		{"within max age", expAt(t0.Add(24 * time.Hour)), t0.Add(59 * time.Second), true},
		{"expired when put", expAt(t0.Add(-time.Second)), t0, false},
		{"no exp is never cached", token(`{"sub":"alice"}`), t0, false},
		{"unreadable payload", "a.!!!.c", t0, false},
		{"not a jwt", "abc", t0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tokencache.New(10, time.Minute)
			c.Put(tt.token, alice, t0)
			got, ok := c.Get(tt.token, tt.getAt)
			if ok != tt.wantOK {
				t.Fatalf("Get ok = %v, want %v", ok, tt.wantOK)
			}
			if ok {
				if diff := cmp.Diff(alice, got); diff != "" {
					t.Errorf("identity (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestUnknownTokenMisses(t *testing.T) {
	c := tokencache.New(10, time.Minute)
	c.Put(expAt(t0.Add(time.Hour)), alice, t0)
	if _, ok := c.Get(expAt(t0.Add(2*time.Hour)), t0); ok {
		t.Error("a token never put was found")
	}
}

func TestBounded(t *testing.T) {
	c := tokencache.New(16, time.Hour)
	for i := range 100 {
		c.Put(expAt(t0.Add(time.Hour+time.Duration(i)*time.Second)), alice, t0)
		if c.Len() > 16 {
			t.Fatalf("after %d puts Len = %d, want <= 16", i+1, c.Len())
		}
	}
	last := expAt(t0.Add(time.Hour + 99*time.Second))
	if _, ok := c.Get(last, t0); !ok {
		t.Error("the newest token was evicted")
	}
}

func TestEvictsVoidEntriesFirst(t *testing.T) {
	c := tokencache.New(4, time.Hour)
	live := expAt(t0.Add(time.Hour))
	c.Put(live, alice, t0)
	for i := range 3 {
		c.Put(expAt(t0.Add(time.Duration(i+1)*time.Second)), alice, t0)
	}
	later := t0.Add(time.Minute) // the three short tokens are expired now
	c.Put(expAt(t0.Add(2*time.Hour)), alice, later)
	if _, ok := c.Get(live, later); !ok {
		t.Error("a live token was evicted while expired ones were there")
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2 (live + new)", c.Len())
	}
}

func TestNilCacheRemembersNothing(t *testing.T) {
	var c *tokencache.Cache
	tok := expAt(t0.Add(time.Hour))
	c.Put(tok, alice, t0)
	if id, ok := c.Get(tok, t0); ok {
		t.Fatalf("a nil cache returned %+v for a token put in it", id)
	}
}
