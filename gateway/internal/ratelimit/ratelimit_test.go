package ratelimit_test

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/ratelimit"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"no proxy", "203.0.113.5:1234", "", trusted, "203.0.113.5"},
		{"untrusted peer's xff ignored", "203.0.113.5:1234", "198.51.100.1", trusted, "203.0.113.5"},
		{"trusted peer", "10.1.2.3:80", "198.51.100.1", trusted, "198.51.100.1"},
		{"right-most untrusted wins", "10.1.2.3:80", "1.1.1.1, 198.51.100.1, 10.9.9.9", trusted, "198.51.100.1"},
		{"garbage in xff", "10.1.2.3:80", "not-an-ip", trusted, "10.1.2.3"},
		{"no trusted proxies", "10.1.2.3:80", "198.51.100.1", nil, "10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ratelimit.ClientIP(tt.remote, tt.xff, tt.trusted); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBucketsAreBounded(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	l := ratelimit.New(map[string]ratelimit.Limit{"read": {RPS: 1, Burst: 1}},
		ratelimit.Options{MaxKeys: 160, IdleAfter: time.Minute, Now: func() time.Time { return now }})
	for i := range 10000 {
		l.Allow("read", "caller-"+strconv.Itoa(i))
	}
	if n := l.Len(); n > 160 {
		t.Fatalf("%d buckets held, want at most 160", n)
	}
}

func TestUnlimitedClass(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(map[string]ratelimit.Limit{"read": {RPS: 0}}, ratelimit.Options{})
	for range 100 {
		if d := l.Allow("read", "x"); !d.Allowed || d.Limited {
			t.Fatalf("unlimited class decided %+v", d)
		}
	}
	if l.Len() != 0 {
		t.Errorf("unlimited class kept %d buckets", l.Len())
	}
}
