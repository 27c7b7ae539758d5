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

const shardCount = 16

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
// It is safe for concurrent use.
type Limiter struct {
	limits   map[string]Limit
	now      func() time.Time
	idle     time.Duration
	perShard int
	shards   [shardCount]shard
}

type key struct{ class, caller string }

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

type shard struct {
	mu  sync.Mutex
	m   map[key]*bucket
	ops int
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
	l := &Limiter{limits: limits, now: o.Now, idle: o.IdleAfter, perShard: max(1, o.MaxKeys/shardCount)}
	for i := range l.shards {
		l.shards[i].m = map[key]*bucket{}
	}
	return l
}

// Allow takes one token from caller's bucket of class.
func (l *Limiter) Allow(class, caller string) Decision {
	lim, ok := l.limits[class]
	if !ok || lim.RPS <= 0 {
		return Decision{Allowed: true}
	}
	now := l.now()
	k := key{class, caller}
	s := &l.shards[hash(caller)%shardCount]
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.m[k]
	if b == nil {
		s.makeRoom(now, l.idle, l.perShard)
		b = &bucket{lim: rate.NewLimiter(rate.Limit(lim.RPS), lim.Burst)}
		s.m[k] = b
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

// makeRoom evicts idle buckets every so often, and any bucket when the shard is full.
func (s *shard) makeRoom(now time.Time, idle time.Duration, limit int) {
	s.ops++
	if s.ops%1024 != 0 && len(s.m) < limit {
		return
	}
	for k, b := range s.m {
		if now.Sub(b.last) > idle {
			delete(s.m, k)
		}
	}
	for k := range s.m {
		if len(s.m) < limit {
			break
		}
		delete(s.m, k)
	}
}

// Len is the number of buckets held, for tests and metrics.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// hash is FNV-1a, inline so that picking a shard does not allocate.
func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
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
