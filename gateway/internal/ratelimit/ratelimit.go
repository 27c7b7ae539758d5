// Package ratelimit keeps a token bucket per caller and rate class. Callers
// are users (the token's subject) or, when anonymous, client addresses. The
// key space is bounded: idle buckets are evicted, and a full table drops
// buckets rather than grow.
package ratelimit

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a class's budget: RPS tokens per second refill a bucket of Burst.
// RPS <= 0 means unlimited.
type Limit struct {
	RPS   float64
	Burst int
}

// Options configure a Limiter. Zero values: MaxKeys 100000, IdleAfter 10m,
// Now time.Now.
type Options struct {
	MaxKeys   int
	IdleAfter time.Duration
	Now       func() time.Time
}

// Limiter decides whether a caller may make another request of a class.
// It is safe for concurrent use. One lock guards every bucket: splitting
// the table into 16 locked shards measured no cheaper.
type Limiter struct {
	limits  map[string]Limit
	now     func() time.Time
	idle    time.Duration
	maxKeys int

	mu  sync.Mutex
	m   map[key]*bucket
	ops int
}

type key struct{ class, caller string }

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// Decision is the outcome of Allow and what the RateLimit headers report.
type Decision struct {
	Limited    bool // the class has a limit at all
	Allowed    bool
	Limit      Limit
	Remaining  int
	Reset      time.Duration // until the bucket is full again
	RetryAfter time.Duration // until the next token, when denied
}

// New returns a Limiter with the given budgets by class name.
func New(limits map[string]Limit, o Options) *Limiter {
	if o.MaxKeys <= 0 {
		o.MaxKeys = 100000
	}
	if o.IdleAfter <= 0 {
		o.IdleAfter = 10 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Limiter{limits: limits, now: o.Now, idle: o.IdleAfter, maxKeys: o.MaxKeys, m: map[key]*bucket{}}
}

// Allow takes one token from caller's bucket of class.
func (l *Limiter) Allow(class, caller string) Decision {
	lim, ok := l.limits[class]
	if !ok || lim.RPS <= 0 {
		return Decision{Allowed: true}
	}
	now := l.now()
	k := key{class, caller}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.m[k]
	if b == nil {
		l.makeRoom(now)
		b = &bucket{lim: rate.NewLimiter(rate.Limit(lim.RPS), lim.Burst)}
		l.m[k] = b
	}
	b.last = now
	allowed := b.lim.AllowN(now, 1)
	tokens := b.lim.TokensAt(now)
	d := Decision{Limited: true, Allowed: allowed, Limit: lim, Remaining: max(0, int(math.Floor(tokens)))}
	d.Reset = seconds((float64(lim.Burst) - tokens) / lim.RPS)
	if !allowed {
		d.RetryAfter = seconds((1 - tokens) / lim.RPS)
	}
	return d
}

// makeRoom evicts idle buckets every so often, and any bucket when the
// table is full.
func (l *Limiter) makeRoom(now time.Time) {
	l.ops++
	if l.ops%1024 != 0 && len(l.m) < l.maxKeys {
		return
	}
	for k, b := range l.m {
		if now.Sub(b.last) > l.idle {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) < l.maxKeys {
			break
		}
		delete(l.m, k)
	}
}

func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// SetHeaders writes the RateLimit headers (IETF draft, separate fields) for d,
// and Retry-After when the request was denied; times are in whole seconds.
func SetHeaders(h http.Header, d Decision) {
	if !d.Limited {
		return
	}
	limit := strconv.Itoa(d.Limit.Burst)
	h.Set("Ratelimit-Limit", limit)
	h.Set("Ratelimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("Ratelimit-Reset", strconv.Itoa(ceilSeconds(d.Reset)))
	h.Set("Ratelimit-Policy", limit+";w="+strconv.Itoa(ceilSeconds(seconds(float64(d.Limit.Burst)/d.Limit.RPS))))
	if !d.Allowed {
		h.Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(d.RetryAfter))))
	}
}

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
