package scale

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/eventshop/eventshop/pkg/bus"
	"github.com/eventshop/eventshop/pkg/leader"
)

// NotificationElection is the name of the lease under which one
// notification replica relays the outbox and sweeps.
const NotificationElection = "notification"

// NotificationLeaders returns the notification replicas whose /metrics
// say they lead (eventshop_leader_leading 1): one, but for the moment of
// a takeover.
func (p *Platform) NotificationLeaders(ctx context.Context) ([]string, error) {
	var out []string
	for _, replica := range p.Stack.Replicas("notification") {
		leads, err := leading(ctx, p.Stack.URL(replica))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", replica, err)
		}
		if leads {
			out = append(out, replica)
		}
	}
	return out, nil
}

// NotificationLeader returns the notification replica that leads, ""
// unless exactly one does.
func (p *Platform) NotificationLeader(ctx context.Context) (string, error) {
	leaders, err := p.NotificationLeaders(ctx)
	if err != nil || len(leaders) != 1 {
		return "", err
	}
	return leaders[0], nil
}

// leading reads eventshop_leader_leading{election="notification"} from
// the replica at base.
func leading(ctx context.Context, base string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return false, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, fmt.Errorf("metrics: %w", err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "eventshop_leader_leading{") && strings.Contains(line, `election="`+NotificationElection+`"`) {
			return strings.HasSuffix(line, " 1"), nil
		}
	}
	return false, sc.Err()
}

// LeaseHolder returns the holder of notification's lease, the random id
// of the process that leads, "" when the lease is free or expired. A
// replica killed and restarted is another holder.
func (p *Platform) LeaseHolder(ctx context.Context) (string, error) {
	return leader.LeaseHolder(ctx, p.Sources.Notifications.Collection("leases"), NotificationElection)
}

// NotificationRelayedSince reports whether the NOTIFICATION stream's last
// event was made after since: a notification delivered after since had its
// sent event relayed. It asks JetStream, not FerretDB, whose queries but by
// _id read the whole collection: polled, they would slow the store the
// measured relay works on.
func (p *Platform) NotificationRelayedSince(ctx context.Context, since time.Time) (bool, error) {
	stream, err := p.JS.Stream(ctx, "NOTIFICATION")
	if err != nil {
		return false, fmt.Errorf("notification stream: %w", err)
	}
	msg, err := stream.GetLastMsgForSubject(ctx, "notification.>")
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("last notification event: %w", err)
	}
	at, err := time.Parse(time.RFC3339Nano, msg.Header.Get(bus.HeaderTime))
	if err != nil {
		return false, fmt.Errorf("last notification event's time: %w", err)
	}
	return at.After(since), nil
}

// AwaitNotificationsSent waits, up to timeout, until no notification is
// left unsent: the rounds a killed notification replica had under way run
// again once their claim (NOTIFICATION_LEASE, a minute) ends.
func (p *Platform) AwaitNotificationsSent(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	unsent := bson.M{"status": bson.M{"$in": bson.A{"PENDING", "FAILED"}}}
	for {
		n, err := p.Sources.Notifications.Collection("notifications").CountDocuments(ctx, unsent)
		if err == nil && n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d notifications unsent (last error %v): %w", n, err, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}
