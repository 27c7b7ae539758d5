package page_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/pkg/page"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		want  page.Request
		bad   bool
	}{
		{name: "defaults", query: "", want: page.Request{Limit: page.DefaultLimit}},
		{name: "limit", query: "limit=7", want: page.Request{Limit: 7}},
		{name: "max limit", query: "limit=500", want: page.Request{Limit: page.MaxLimit}},
		{name: "cursor", query: "cursor=" + page.Cursor("2026-01-02T03:04:05Z", "abc"), want: page.Request{Limit: page.DefaultLimit, After: []string{"2026-01-02T03:04:05Z", "abc"}}},
		{name: "zero limit", query: "limit=0", bad: true},
		{name: "negative limit", query: "limit=-3", bad: true},
		{name: "limit above max", query: "limit=501", bad: true},
		{name: "limit not a number", query: "limit=ten", bad: true},
		{name: "cursor not base64url", query: "cursor=%25%25", bad: true},
		{name: "cursor not a key", query: "cursor=" + "eyJhIjoxfQ", bad: true},
		{name: "empty key", query: "cursor=" + page.Cursor(), bad: true},
		{name: "cursor too long", query: "cursor=" + strings.Repeat("A", 600), bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := page.Parse(q)
			if tt.bad {
				if !errors.Is(err, page.ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTrim(t *testing.T) {
	t.Parallel()
	key := func(s string) []string { return []string{s} }
	r := page.Request{Limit: 2}
	items, next := page.Trim([]string{"a", "b", "c"}, r, key)
	if diff := cmp.Diff([]string{"a", "b"}, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	q := url.Values{"cursor": {next}}
	if got, err := page.Parse(q); err != nil || !cmp.Equal(got.After, []string{"b"}) {
		t.Errorf("next cursor decodes to %v, %v; want [b]", got.After, err)
	}
	if items, next := page.Trim([]string{"a", "b"}, r, key); len(items) != 2 || next != "" {
		t.Errorf("last page: %v items, next %q; want 2 items and no cursor", items, next)
	}
}

func TestTimeKeyRoundTrips(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.FixedZone("x", 3600))
	got, id, err := page.ParseTimeKey(page.TimeKey(at, "id-1"))
	if err != nil || !got.Equal(at) || id != "id-1" {
		t.Errorf("ParseTimeKey = %v, %q, %v; want %v, id-1", got, id, err, at)
	}
	for _, bad := range [][]string{{"x", "id"}, {"2026-01-02T03:04:05Z"}, {"2026-01-02T03:04:05Z", ""}} {
		if _, _, err := page.ParseTimeKey(bad); !errors.Is(err, page.ErrInvalid) {
			t.Errorf("ParseTimeKey(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
}
