// Package page pages a list by keyset: a page is at most Limit items after
// the position a cursor names, in a stable order the list defines (for
// example (created_at, id)). The cursor is opaque to clients: the key of the
// last item served, base64url-encoded, so that items inserted or removed
// between two reads neither repeat nor shift an item out of the listing, as
// an offset would.
package page

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

const (
	// DefaultLimit is the page size when a request names none.
	DefaultLimit = 50
	// MaxLimit bounds a page, so that one request cannot read a whole table.
	MaxLimit = 500
	// maxCursorLen rejects cursors far longer than any key this project
	// encodes before decoding them.
	maxCursorLen = 512
)

// ErrInvalid is wrapped by every error of Parse: the request's limit or
// cursor is malformed, which an HTTP port answers with 400.
var ErrInvalid = errors.New("invalid page request")

// Request is one page's position and size. A zero After is the first page.
type Request struct {
	// Limit is how many items to return, 1 to MaxLimit.
	Limit int
	// After is the key of the last item of the previous page, in the
	// list's order; nil on the first page.
	After []string
}

// First is the first page of the default size.
func First() Request { return Request{Limit: DefaultLimit} }

// Parse reads ?limit=N&cursor=C. An absent limit is DefaultLimit; a limit
// outside 1..MaxLimit, or a cursor this package did not encode, is an error
// wrapping ErrInvalid.
func Parse(q url.Values) (Request, error) {
	r := First()
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return Request{}, fmt.Errorf("%w: limit must be an integer from 1 to %d", ErrInvalid, MaxLimit)
		}
		r.Limit = n
	}
	if c := q.Get("cursor"); c != "" {
		key, err := decode(c)
		if err != nil {
			return Request{}, fmt.Errorf("%w: cursor is not one this list returned", ErrInvalid)
		}
		r.After = key
	}
	return r, nil
}

// Cursor encodes the key of an item as the cursor of the page after it.
func Cursor(key ...string) string {
	raw, _ := json.Marshal(key) // a []string always encodes
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decode(c string) ([]string, error) {
	if len(c) > maxCursorLen {
		return nil, errors.New("cursor too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, err
	}
	var key []string
	if err := json.Unmarshal(raw, &key); err != nil {
		return nil, err
	}
	if len(key) == 0 {
		return nil, errors.New("empty cursor")
	}
	return key, nil
}

// Trim cuts items, read with a limit of r.Limit+1, to one page and returns
// the cursor of the next page: "" when items held no more than r.Limit, so
// the last page needs no extra read to say it is the last.
func Trim[T any](items []T, r Request, key func(T) []string) ([]T, string) {
	if len(items) <= r.Limit {
		return items, ""
	}
	items = items[:r.Limit]
	return items, Cursor(key(items[len(items)-1])...)
}

// Of is one page of a list as the HTTP contract answers it: the items, and
// next_cursor only when there is a next page.
type Of[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
