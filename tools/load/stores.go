package load

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/tools/invariants"
)

// Stores locates the services' databases for the invariant check.
type Stores struct {
	// Postgres is a superuser URL of the PostgreSQL server; the path is
	// replaced by each service's database (order, inventory, payment).
	Postgres string
	// Mongo is the MongoDB-wire store's URL; MongoDatabase the
	// notification service's database (empty means "notification").
	Mongo         string
	MongoDatabase string
}

// LocalStores are the stores of `make run`: PostgreSQL on 5432 with the
// superuser postgres, FerretDB on 27017 (see tools/stack's fixed ports).
func LocalStores() Stores {
	return Stores{
		Postgres: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		Mongo:    "mongodb://127.0.0.1:27017/",
	}
}

// Connect opens read handles on every store; close releases them.
func (s Stores) Connect(ctx context.Context) (src invariants.Sources, closeAll func(), err error) {
	var pools []*pgxpool.Pool
	closeAll = func() {
		for _, p := range pools {
			p.Close()
		}
	}
	for db, dst := range map[string]**pgxpool.Pool{"order": &src.Order, "inventory": &src.Inventory, "payment": &src.Payment} {
		u, perr := url.Parse(s.Postgres)
		if perr != nil {
			closeAll()
			return src, nil, fmt.Errorf("postgres url: %w", perr)
		}
		u.Path = "/" + db
		pool, perr := pgxpool.New(ctx, u.String())
		if perr != nil {
			closeAll()
			return src, nil, fmt.Errorf("connect %s database: %w", db, perr)
		}
		pools = append(pools, pool)
		*dst = pool
	}
	mc, err := mongo.Connect(options.Client().ApplyURI(s.Mongo))
	if err != nil {
		closeAll()
		return src, nil, fmt.Errorf("connect mongo: %w", err)
	}
	name := s.MongoDatabase
	if name == "" {
		name = "notification"
	}
	src.Notifications = mc.Database(name)
	pgClose := closeAll
	closeAll = func() {
		pgClose()
		_ = mc.Disconnect(context.Background())
	}
	return src, closeAll, nil
}

// CheckInvariants runs the invariant checker until it passes or within has
// passed, and returns its last report: right after a run, notifications,
// captures and sales may still be on their way, so one early failure is
// not yet a violation.
func CheckInvariants(ctx context.Context, src invariants.Sources, opts invariants.Options, within time.Duration) (invariants.Report, error) {
	deadline := time.Now().Add(within)
	for {
		r, err := invariants.Check(ctx, src, opts)
		if err != nil {
			return r, fmt.Errorf("check invariants: %w", err)
		}
		if r.OK() || time.Now().After(deadline) {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, errors.Join(errors.New("check invariants"), ctx.Err())
		case <-time.After(time.Second):
		}
	}
}
