package leader

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/outage"
)

// Job is work that runs while its replica leads, until ctx is done. It
// returns nil when ctx ends it; any other error stops the elector's Run.
type Job func(ctx context.Context) error

// DefaultRetry is how often a waiting replica asks for the lock, and how
// often the leader checks that its connection is alive.
const DefaultRetry = time.Second

// Postgres elects one of the replicas that share a database with an
// advisory lock held on a connection of its own.
type Postgres struct {
	pool    *pgxpool.Pool
	name    string
	lockID  int64
	retry   time.Duration
	log     *slog.Logger
	leading atomic.Bool
}

// NewPostgres returns an elector named name on pool's database: replicas
// electing under one name elect one leader. retry is DefaultRetry when
// zero.
func NewPostgres(pool *pgxpool.Pool, name string, retry time.Duration, log *slog.Logger) *Postgres {
	if retry <= 0 {
		retry = DefaultRetry
	}
	if log == nil {
		log = slog.Default()
	}
	return &Postgres{pool: pool, name: name, lockID: LockID(name), retry: retry,
		log: log.With("component", "leader", "election", name)}
}

// LockID is the advisory lock id that elections named name take: the
// name's 64-bit FNV-1a hash, so that tools can find the holder in pg_locks.
func LockID(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("leader:" + name))
	return int64(h.Sum64())
}

// Leading reports whether this replica leads now.
func (e *Postgres) Leading() bool { return e.leading.Load() }

// Run takes part in the election until ctx is done, running jobs while
// this replica leads. A lost connection ends the term, stopping the jobs,
// and the replica stands again once the database answers. It returns nil
// when ctx ends, or the first error a job returns.
func (e *Postgres) Run(ctx context.Context, jobs ...Job) error {
	w := outage.NewWatch(e.log, "leader election: database", outage.Backoff{First: e.retry / 4, Max: 5 * e.retry})
	for ctx.Err() == nil {
		term, err := e.term(ctx, w, jobs)
		if term != nil {
			return term
		}
		if ctx.Err() != nil {
			return nil
		}
		if !outage.Sleep(ctx, w.Failed(err)) {
			return nil
		}
	}
	return nil
}

// term connects, waits for the lock and runs the jobs while it holds it.
// It returns a job's error as jobErr and a connection's as err.
func (e *Postgres) term(ctx context.Context, w *outage.Watch, jobs []Job) (jobErr, err error) {
	conn, err := pgx.ConnectConfig(ctx, e.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	w.Succeeded()
	// Closing the session releases the lock.
	defer conn.Close(context.WithoutCancel(ctx))
	if err := e.await(ctx, conn); err != nil {
		return nil, err
	}
	e.leading.Store(true)
	defer e.leading.Store(false)
	e.log.InfoContext(ctx, "leading")
	g, gctx := errgroup.WithContext(ctx)
	hold, stop := context.WithCancel(gctx)
	for _, job := range jobs {
		g.Go(func() error { return job(hold) })
	}
	err = e.hold(hold, conn)
	stop()
	jobErr = g.Wait()
	if err != nil {
		e.log.WarnContext(ctx, "lost leadership", "error", err)
	}
	return jobErr, err
}

// await returns once this session holds the lock, or ctx is done.
func (e *Postgres) await(ctx context.Context, conn *pgx.Conn) error {
	for {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", e.lockID).Scan(&ok); err != nil {
			return fmt.Errorf("leader lock: %w", err)
		}
		if ok {
			return nil
		}
		if !outage.Sleep(ctx, e.retry) {
			return ctx.Err()
		}
	}
}

// hold pings the session every retry until ctx is done (nil) or the ping
// fails (the lock may be gone with the session).
func (e *Postgres) hold(ctx context.Context, conn *pgx.Conn) error {
	for outage.Sleep(ctx, e.retry) {
		pctx, cancel := context.WithTimeout(ctx, e.retry)
		err := conn.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("ping: %w", err)
		}
	}
	return nil
}
