package cache_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/cache"
)

func fill(t *testing.T, c *cache.Cache, key, body string) {
	t.Helper()
	if _, err := c.Fill(key, func() (*cache.Entry, error) {
		return &cache.Entry{Status: 200, Body: []byte(body)}, nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestLRUBounds(t *testing.T) {
	t.Parallel()
	c := cache.New(cache.Options{MaxEntries: 3, MaxBytes: 1 << 20, TTL: time.Minute})
	for i := range 5 {
		fill(t, c, "k"+strconv.Itoa(i), "v")
	}
	if c.Len() != 3 {
		t.Fatalf("Len = %d, want 3", c.Len())
	}
	for key, want := range map[string]bool{"k0": false, "k1": false, "k2": true, "k4": true} {
		if _, ok := c.Get(key); ok != want {
			t.Errorf("Get(%s) present = %v, want %v", key, ok, want)
		}
	}
}

func TestOnlyOKAnswersAreStored(t *testing.T) {
	t.Parallel()
	c := cache.New(cache.Options{})
	e, err := c.Fill("k", func() (*cache.Entry, error) { return &cache.Entry{Status: 404, Body: []byte("no")}, nil })
	if err != nil || e.Status != 404 || e.ETag == "" {
		t.Fatalf("Fill = %+v, %v", e, err)
	}
	if _, ok := c.Get("k"); ok {
		t.Fatal("a 404 was stored")
	}
}

func TestInvalidateDuringFillDropsTheStaleAnswer(t *testing.T) {
	t.Parallel()
	c := cache.New(cache.Options{})
	_, _ = c.Fill("k", func() (*cache.Entry, error) {
		c.Invalidate(func(string) bool { return true }) // a stock change while the upstream answers
		return &cache.Entry{Status: 200, Body: []byte("old")}, nil
	})
	if _, ok := c.Get("k"); ok {
		t.Fatal("an answer read before an invalidation was stored after it")
	}
}

func TestETagIsStableAndStrong(t *testing.T) {
	t.Parallel()
	a, b := cache.ETag([]byte("x")), cache.ETag([]byte("y"))
	if a != cache.ETag([]byte("x")) || a == b || a[0] != '"' {
		t.Fatalf("ETag x=%s y=%s", a, b)
	}
}
