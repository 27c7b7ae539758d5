package outbox_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/pkg/pgdb"
	"github.com/eventshop/eventshop/testkit"
)

// outageLength is how long the test keeps PostgreSQL down: sixty of the
// relay's 50 ms polls, each of which used to log a warning.
const outageLength = 3 * time.Second

// TestRelayWaitsOutDatabaseOutageLoggingItOnce stops the relay's PostgreSQL
// for many poll intervals and checks that the relay logged the outage once
// per part (listener, database, publishing) rather than on every attempt,
// logged its end, and relays the rows written after the database returned.
func TestRelayWaitsOutDatabaseOutageLoggingItOnce(t *testing.T) {
	t.Parallel()
	pg, pool := stoppableDB(t)
	b := connect(t, testkit.NATS(t))
	var logs testkit.LockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	runRelay(t, outbox.NewRelay(pool, b, log, outbox.Options{PollInterval: 50 * time.Millisecond}))
	add(t, pool, rejected(t, 5)...)
	testkit.Eventually(t, wait, func() bool { return streamCount(t, b) == 5 }, "rows not relayed before the outage")

	if err := pg.StopImmediate(); err != nil {
		t.Fatal(err)
	}
	// The fault's window, not a synchronisation: the relay must keep
	// failing for the whole of it.
	<-time.After(outageLength)
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	testkit.EventuallyErr(t, wait, func() error { return pool.Ping(t.Context()) })
	add(t, pool, rejected(t, 5)...)
	testkit.Eventually(t, wait, func() bool { return streamCount(t, b) == 10 }, "rows not relayed after the outage")

	got := logs.String()
	if n := strings.Count(got, "unavailable, waiting for it"); n == 0 || n > 3 {
		t.Errorf("outage logged %d times, want once per part of the relay (at most 3):\n%s", n, got)
	}
	if n := strings.Count(got, "available again"); n == 0 {
		t.Errorf("end of the outage not logged:\n%s", got)
	}
	if n := strings.Count(got, "level=WARN"); n > 3 {
		t.Errorf("%d warnings during the outage, want at most 3:\n%s", n, got)
	}
}

// stoppableDB starts a PostgreSQL cluster of the test's own, with durable
// settings so that an immediate stop loses nothing committed, and returns a
// pool on it with the platform tables.
func stoppableDB(t *testing.T) (*testkit.PGCluster, *pgxpool.Pool) {
	t.Helper()
	pg, err := testkit.StartPostgres(testkit.PGOptions{Fsync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	pool, err := pgdb.Open(t.Context(), pg.URL("postgres")+"&connect_timeout=2", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pg, pool
}
