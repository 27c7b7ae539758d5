package service

import (
	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/services/order/internal/adapters/livefeed"
	"github.com/eventshop/eventshop/services/order/internal/ports"
)

// followOn adapts feed to the stream port.
func followOn(feed *livefeed.Feed) ports.Follow {
	return func(subjects []string, buffer int, keep func(event.Event) bool) (ports.Follower, error) {
		fl, err := feed.Follow(subjects, buffer, keep)
		if err != nil {
			return nil, err
		}
		return fl, nil
	}
}
