package scale

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/tools/client"
	"github.com/eventshop/eventshop/tools/invariants"
)

// RelayLockID is the advisory lock the outbox relays of a database elect
// their leader with (outbox.Options.LockID's default).
const RelayLockID int64 = 0x6f7574626f787265

// Holder is the session holding an advisory lock: the application name
// the stack gives each replica's connections, and the server process of
// the session. A replica killed and restarted keeps its name but not its
// session, so "another leader" means another PID, not another name.
type Holder struct {
	Name string
	PID  uint32
}

// LockHolder returns the session holding advisory lock id on pool's
// database, or the zero Holder when no session holds it.
func LockHolder(ctx context.Context, pool *pgxpool.Pool, id int64) (Holder, error) {
	var h Holder
	err := pool.QueryRow(ctx, `SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND ((l.classid::bigint << 32) | l.objid::bigint) = $1`, id).Scan(&h.Name, &h.PID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Holder{}, nil
	}
	if err != nil {
		return Holder{}, fmt.Errorf("lock holder: %w", err)
	}
	return h, nil
}

// Acked returns the messages each consumer of the service at base acked,
// from its /metrics.
func Acked(ctx context.Context, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer res.Body.Close()
	acked := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "eventshop_bus_consumed_total{") || !strings.Contains(line, `result="ack"`) {
			continue
		}
		_, rest, _ := strings.Cut(line, `consumer="`)
		consumer, _, _ := strings.Cut(rest, `"`)
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metric line %q: %w", line, err)
		}
		acked[consumer] += v
	}
	return acked, sc.Err()
}

// AwaitFinal waits until every order in ids is final, each for at most
// timeout, and counts them by status.
func AwaitFinal(ctx context.Context, c *client.Client, ids []string, timeout time.Duration) (map[string]int, error) {
	byStatus := map[string]int{}
	for _, id := range ids {
		wctx, cancel := context.WithTimeout(ctx, timeout)
		o, err := c.WaitFinal(wctx, id)
		cancel()
		if err != nil {
			return byStatus, fmt.Errorf("order %s: %w", id, err)
		}
		byStatus[o.Status]++
	}
	return byStatus, nil
}

// Settle waits, up to timeout, until no event waits in an outbox or a
// consumer, then checks the invariants against the stock baseline; the
// report counts what was lost, duplicated or stuck.
func (p *Platform) Settle(ctx context.Context, timeout time.Duration) (invariants.Report, error) {
	deadline := time.Now().Add(timeout)
	for {
		err := invariants.Quiet(ctx, p.Sources, p.JS)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return invariants.Report{}, fmt.Errorf("not quiet after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return invariants.Report{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return invariants.Check(ctx, p.Sources, invariants.Options{Baseline: p.Baseline})
}
