package query

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/pkg/page"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// ListForCustomer lists a customer's notifications, newest first, a page at
// a time.
type ListForCustomer struct {
	Repo Notifications
}

// Handle returns one page of customerID's notifications and the cursor of
// the next page ("" on the last). A notification written while a customer
// pages is newer than every cursor: it shows on a new first page and never
// shifts or repeats the pages being read.
func (q ListForCustomer) Handle(ctx context.Context, customerID string, r page.Request) ([]domain.Notification, string, error) {
	var after *Position
	if r.After != nil {
		t, id, err := page.ParseTimeKey(r.After)
		if err != nil {
			return nil, "", err
		}
		after = &Position{CreatedAt: t, ID: id}
	}
	ns, err := q.Repo.ListForCustomer(ctx, customerID, after, r.Limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list notifications: %w", err)
	}
	ns, next := page.Trim(ns, r, func(n domain.Notification) []string { return page.TimeKey(n.CreatedAt(), n.ID()) })
	return ns, next, nil
}
