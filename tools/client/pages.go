package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/eventshop/eventshop/pkg/page"
)

// errCursorLoop is a list whose next cursor repeats the one just read.
var errCursorLoop = errors.New("list repeats its cursor")

// all reads every page of the list at path (which may carry a query), in
// the largest pages the API serves, following next_cursor to the end.
func all[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	base := path + sep + "limit=" + strconv.Itoa(page.MaxLimit)
	var items []T
	cursor := ""
	for {
		var p page.Of[T]
		target := base
		if cursor != "" {
			target += "&cursor=" + url.QueryEscape(cursor)
		}
		if _, err := c.Do(ctx, http.MethodGet, target, nil, nil, &p); err != nil {
			return items, err
		}
		items = append(items, p.Items...)
		if p.NextCursor == "" {
			return items, nil
		}
		if p.NextCursor == cursor {
			return items, errCursorLoop
		}
		cursor = p.NextCursor
	}
}
