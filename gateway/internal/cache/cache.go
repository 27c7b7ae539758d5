// Package cache is the gateway's response cache for the anonymous catalogue:
// a bounded LRU with a TTL, one upstream fetch per key at a time
// (singleflight), strong ETags, and invalidation on demand. An expired
// entry stays until it is evicted or invalidated, so that it can be served
// marked stale while its upstream fails.
package cache

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Entry is a stored response. Only 200 answers are stored.
type Entry struct {
	Status      int
	ContentType string
	Body        []byte
	// RetryAfter is the upstream's Retry-After of an answer that is not
	// stored (a 503), passed on to the client.
	RetryAfter string
	ETag       string
	key        string
	expires    time.Time
}

// Options bound a Cache. Zero values: MaxEntries 1024, MaxBytes 16 MiB,
// TTL 30s, Now time.Now.
type Options struct {
	MaxEntries int
	MaxBytes   int
	TTL        time.Duration
	Now        func() time.Time
}

// Cache is safe for concurrent use.
type Cache struct {
	opts  Options
	sf    singleflight.Group
	mu    sync.Mutex
	lru   *list.List // front = most recently used
	items map[string]*list.Element
	bytes int
	gen   uint64 // bumped by Invalidate, so fetches begun before it are not stored
}

// New returns an empty cache.
func New(o Options) *Cache {
	if o.MaxEntries <= 0 {
		o.MaxEntries = 1024
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 16 << 20
	}
	if o.TTL <= 0 {
		o.TTL = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Cache{opts: o, lru: list.New(), items: map[string]*list.Element{}}
}

// ETag returns the strong entity tag of body.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// Get returns the fresh entry for key.
func (c *Cache) Get(key string) (*Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*Entry)
	if c.opts.Now().After(e.expires) {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return e, true
}

// Stale returns the entry for key, fresh or expired, as long as it is
// held: the answer to give while the upstream cannot give a new one.
func (c *Cache) Stale(key string) (*Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	return el.Value.(*Entry), true
}

// Fill runs fetch for key once however many callers miss at the same time,
// stores a 200 result and returns it to every caller. The stored entry gets
// its ETag here.
func (c *Cache) Fill(key string, fetch func() (*Entry, error)) (*Entry, error) {
	v, err, _ := c.sf.Do(key, func() (any, error) {
		c.mu.Lock()
		gen := c.gen
		c.mu.Unlock()
		e, err := fetch()
		if err != nil {
			return nil, err
		}
		e.ETag = ETag(e.Body)
		if e.Status == 200 {
			c.put(key, e, gen)
		}
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Entry), nil
}

func (c *Cache) put(key string, e *Entry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || len(e.Body) > c.opts.MaxBytes/4 {
		return
	}
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	e.key = key
	e.expires = c.opts.Now().Add(c.opts.TTL)
	c.items[key] = c.lru.PushFront(e)
	c.bytes += len(e.Body)
	for c.lru.Len() > c.opts.MaxEntries || c.bytes > c.opts.MaxBytes {
		c.remove(c.lru.Back())
	}
}

func (c *Cache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*Entry)
	delete(c.items, e.key)
	c.bytes -= len(e.Body)
}

// Invalidate drops every entry whose key matches, and keeps fetches already
// in flight from storing what they read before the change.
func (c *Cache) Invalidate(match func(key string) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for key, el := range c.items {
		if match(key) {
			c.remove(el)
		}
	}
}
