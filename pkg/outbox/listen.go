package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/eventshop/eventshop/pkg/outage"
)

// listen keeps a dedicated connection that LISTENs on Channel and holds the
// leader lock, and signals wake on every notification and PollInterval.
// When the connection fails, leadership is given up and it reconnects, at
// least every PollInterval, backing off while the database is unavailable.
func (r *Relay) listen(ctx context.Context, wake chan<- struct{}) {
	w := outage.NewWatch(r.log, "outbox listener", outage.Backoff{First: r.opts.PollInterval / 4, Max: r.opts.PollInterval})
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, wake, w)
		r.leader.Store(false)
		if ctx.Err() != nil {
			return
		}
		delay := w.Failed(err)
		signal(wake) // poll while the listener is down
		if !outage.Sleep(ctx, delay) {
			return
		}
	}
}

func (r *Relay) listenOnce(ctx context.Context, wake chan<- struct{}, w *outage.Watch) error {
	conn, err := pgx.ConnectConfig(ctx, r.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	w.Succeeded()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	for {
		if !r.leader.Load() {
			if err := r.tryLead(ctx, conn); err != nil {
				return err
			}
		}
		signal(wake)
		wctx, cancel := context.WithTimeout(ctx, r.opts.PollInterval)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && wctx.Err() == nil:
			return fmt.Errorf("wait for notification: %w", err)
		}
	}
}

// tryLead takes the leader lock if no other relay of the database holds it.
// The lock is tied to this session and released when it ends.
func (r *Relay) tryLead(ctx context.Context, conn *pgx.Conn) error {
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", r.opts.LockID).Scan(&ok); err != nil {
		return fmt.Errorf("leader lock: %w", err)
	}
	if ok {
		r.log.Info("outbox relay is leader")
	}
	r.leader.Store(ok)
	return nil
}

// signal wakes the relay loop without blocking; one pending wake-up is enough.
func signal(wake chan<- struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}
