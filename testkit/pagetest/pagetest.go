// Package pagetest checks a cursor-paged list the way a client reads it:
// page after page, with new items arriving between the reads.
package pagetest

import (
	"slices"
	"testing"
)

// maxPages stops a list whose cursors never end.
const maxPages = 1000

// Page is one page as a list answered it: its items' ids and the next
// cursor, "" on the last page.
type Page struct {
	IDs  []string
	Next string
}

// Walk reads every page, from the first (cursor "") until a page has no
// next cursor, calling between after each page but the last, where a test
// adds items. It returns the ids in the order read.
func Walk(t testing.TB, fetch func(cursor string) Page, between func()) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range maxPages {
		p := fetch(cursor)
		ids = append(ids, p.IDs...)
		if p.Next == "" {
			return ids
		}
		if p.Next == cursor {
			t.Fatalf("the next cursor repeats the one just read: %q", cursor)
		}
		cursor = p.Next
		between()
	}
	t.Fatalf("no last page after %d pages", maxPages)
	return nil
}

// ExactlyOnce fails the test unless got holds every id of want exactly
// once, and nothing else but ids of added (the items added while paging,
// which a list may or may not show, each at most once).
func ExactlyOnce(t testing.TB, got, want, added []string) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for id, n := range seen {
		switch {
		case n > 1:
			t.Errorf("%s read %d times", id, n)
		case !slices.Contains(want, id) && !slices.Contains(added, id):
			t.Errorf("%s read but neither listed before nor added", id)
		}
	}
	for _, id := range want {
		if seen[id] == 0 {
			t.Errorf("%s never read", id)
		}
	}
}
