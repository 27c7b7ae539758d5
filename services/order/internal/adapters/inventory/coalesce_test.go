package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"
)

// catalogue answers a fetch with a price for every SKU but "X", and
// records the SKUs of each request.
type catalogue struct {
	mu       sync.Mutex
	requests [][]string
	release  chan struct{} // when set, the first request waits for it
}

func (c *catalogue) fetch(_ context.Context, skus []string) (map[string]int64, error) {
	c.mu.Lock()
	c.requests = append(c.requests, slices.Sorted(slices.Values(skus)))
	first := len(c.requests) == 1
	c.mu.Unlock()
	if first && c.release != nil {
		<-c.release
	}
	prices := map[string]int64{}
	for _, s := range skus {
		if s != "X" {
			prices[s] = int64(len(s)) * 100
		}
	}
	return prices, nil
}

// waitQueued waits until every goroutine of the test's bubble is blocked,
// then insists that n lookups wait behind the request under way.
func waitQueued(t *testing.T, l *lookups, n int) {
	t.Helper()
	synctest.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) != n {
		t.Fatalf("%d lookups are queued, want %d", len(l.queue), n)
	}
}

// waitRequests waits until every goroutine of the test's bubble is
// blocked, then insists that the catalogue has been asked n times.
func waitRequests(t *testing.T, cat *catalogue, n int) {
	t.Helper()
	synctest.Wait()
	if got := cat.count(); got != n {
		t.Fatalf("%d requests are made, want %d", got, n)
	}
}

func TestLookupsWhileARequestIsUnderWayShareTheNext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		cat := &catalogue{release: make(chan struct{})}
		l := &lookups{fetch: cat.fetch}
		type answer struct {
			prices map[string]int64
			err    error
		}
		first := make(chan answer, 1)
		go func() {
			p, err := l.prices(context.Background(), []string{"A"})
			first <- answer{p, err}
		}()
		waitRequests(t, cat, 1)
		asks := [][]string{{"BB", "X"}, {"BB"}, {"CCC", "A"}}
		answers := make([]chan answer, len(asks))
		for i, skus := range asks {
			answers[i] = make(chan answer, 1)
			go func() {
				p, err := l.prices(context.Background(), skus)
				answers[i] <- answer{p, err}
			}()
		}
		waitQueued(t, l, len(asks))
		close(cat.release)

		if a := <-first; a.err != nil || !cmp.Equal(a.prices, map[string]int64{"A": 100}) {
			t.Errorf("first lookup = %v, %v; want A:100", a.prices, a.err)
		}
		want := []map[string]int64{{"BB": 200}, {"BB": 200}, {"CCC": 300, "A": 100}}
		for i, ch := range answers {
			a := <-ch
			if a.err != nil {
				t.Fatalf("lookup %v: %v", asks[i], a.err)
			}
			if diff := cmp.Diff(want[i], a.prices); diff != "" {
				t.Errorf("lookup %v (-want +got):\n%s", asks[i], diff)
			}
		}
		wantRequests := [][]string{{"A"}, {"A", "BB", "CCC", "X"}}
		if diff := cmp.Diff(wantRequests, cat.all()); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})
}

func TestMergedRequestNamesAtMostTheInventoryLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		cat := &catalogue{release: make(chan struct{})}
		l := &lookups{fetch: cat.fetch}
		done := make(chan error, 4)
		go func() {
			_, err := l.prices(context.Background(), []string{"A"})
			done <- err
		}()
		waitRequests(t, cat, 1)
		for i := range 3 { // 3 x 40 SKUs: two fit in one request, the third waits
			skus := make([]string, 40)
			for j := range skus {
				skus[j] = fmt.Sprintf("S%d-%d", i, j)
			}
			go func() {
				_, err := l.prices(context.Background(), skus)
				done <- err
			}()
			waitQueued(t, l, i+1)
		}
		close(cat.release)
		for range 4 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		var sizes []int
		for _, r := range cat.all() {
			sizes = append(sizes, len(r))
		}
		if diff := cmp.Diff([]int{1, 80, 40}, sizes); diff != "" {
			t.Errorf("SKUs per request (-want +got):\n%s", diff)
		}
	})
}

func TestLookupWhoseCallerLeftIsNotFetched(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		cat := &catalogue{release: make(chan struct{})}
		l := &lookups{fetch: cat.fetch}
		go func() { _, _ = l.prices(context.Background(), []string{"A"}) }()
		waitRequests(t, cat, 1)
		ctx, cancel := context.WithCancel(context.Background())
		left := make(chan error, 1)
		go func() {
			_, err := l.prices(ctx, []string{"GONE"})
			left <- err
		}()
		waitQueued(t, l, 1)
		cancel()
		if err := <-left; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		stayed := make(chan error, 1)
		go func() {
			_, err := l.prices(context.Background(), []string{"BB"})
			stayed <- err
		}()
		waitQueued(t, l, 2)
		close(cat.release)
		if err := <-stayed; err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([][]string{{"A"}, {"BB"}}, cat.all()); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})
}

func TestFailedRequestFailsEveryLookupInIt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("inventory down")
		cat := &catalogue{release: make(chan struct{})}
		l := &lookups{fetch: func(ctx context.Context, skus []string) (map[string]int64, error) {
			prices, err := cat.fetch(ctx, skus)
			if cat.count() > 1 {
				return nil, boom
			}
			return prices, err
		}}
		go func() { _, _ = l.prices(context.Background(), []string{"A"}) }()
		waitRequests(t, cat, 1)
		errs := make(chan error, 2)
		for _, sku := range []string{"B", "C"} {
			go func() {
				_, err := l.prices(context.Background(), []string{sku})
				errs <- err
			}()
		}
		waitQueued(t, l, 2)
		close(cat.release)
		for range 2 {
			if err := <-errs; !errors.Is(err, boom) {
				t.Errorf("err = %v, want %v", err, boom)
			}
		}
		if n := cat.count(); n != 2 {
			t.Errorf("requests = %d, want 2", n)
		}
	})
}

func (c *catalogue) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.requests)
}

func (c *catalogue) all() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.requests)
}
