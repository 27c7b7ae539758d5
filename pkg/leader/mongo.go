package leader

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/sync/errgroup"

	"github.com/eventshop/eventshop/pkg/outage"
)

// DefaultLease is how long a Mongo leader's lease lasts unless renewed: the
// longest a dead leader's jobs wait for a successor.
const DefaultLease = 5 * time.Second

// errLeaseLost ends a term whose lease another replica took or that could
// not be renewed in time.
var errLeaseLost = errors.New("lease lost")

// Mongo elects one of the replicas that share a MongoDB database with a
// lease: a document {_id: name, holder, expires} that the leader renews
// every third of the lease, and that any replica may take once it expired,
// or, given a Liveness, as soon as its holder is found gone.
// It needs neither transactions nor TTL indexes, so it works on FerretDB.
// The replicas' clocks must agree to well within the lease.
type Mongo struct {
	coll       *mongo.Collection
	name       string
	holder     string
	lease      time.Duration
	liveness   Liveness // nil: a standby waits for the lease to run out
	probeEvery time.Duration
	log        *slog.Logger
	leading    atomic.Bool
}

// MongoOption changes how a Mongo elector elects.
type MongoOption func(*Mongo)

// WithLiveness makes a standby that finds the lease held ask l, every
// probeEvery (DefaultProbeEvery when zero), whether the holder is gone,
// and take the lease over once it was found gone twice in a row, instead
// of waiting for the lease to run out. The lease and its renewal stay: they
// still end the term of a leader cut off from MongoDB. Without it a killed
// leader's work waits for its lease to run out.
func WithLiveness(l Liveness, probeEvery time.Duration) MongoOption {
	return func(e *Mongo) {
		if probeEvery <= 0 {
			probeEvery = DefaultProbeEvery
		}
		e.liveness, e.probeEvery = l, probeEvery
	}
}

// NewMongo returns an elector named name whose lease lives in coll; lease
// is DefaultLease when zero.
func NewMongo(coll *mongo.Collection, name string, lease time.Duration, log *slog.Logger, opts ...MongoOption) *Mongo {
	if lease <= 0 {
		lease = DefaultLease
	}
	if log == nil {
		log = slog.Default()
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	e := &Mongo{coll: coll, name: name, holder: hex.EncodeToString(b), lease: lease,
		log: log.With("component", "leader", "election", name)}
	for _, opt := range opts {
		opt(e)
	}
	return e
}

// Leading reports whether this replica leads now.
func (e *Mongo) Leading() bool { return e.leading.Load() }

// Run takes part in the election until ctx is done, running jobs while
// this replica holds the lease. A lease it fails to renew in time ends the
// term, stopping the jobs. It returns nil when ctx ends, or the first error
// a job returns; on the way out it gives the lease up, so that another
// replica takes over at once. Given a Liveness, it stands only once it
// answers for itself, and answers as long as it runs.
func (e *Mongo) Run(ctx context.Context, jobs ...Job) error {
	stopAnswering, err := e.answer(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer stopAnswering()
	w := outage.NewWatch(e.log, "leader election: mongo", outage.Backoff{First: e.lease / 10, Max: e.lease})
	defer e.release(context.WithoutCancel(ctx))
	for ctx.Err() == nil {
		ok, err := e.acquire(ctx)
		if err == nil && !ok {
			w.Succeeded()
			ok, err = e.standBy(ctx)
		}
		switch {
		case err != nil:
			if !outage.Sleep(ctx, w.Failed(err)) {
				return nil
			}
			continue
		case !ok:
			continue
		}
		w.Succeeded()
		if err := e.term(ctx, jobs); err != nil {
			return err
		}
	}
	return nil
}

// term runs the jobs while the lease is renewed, and returns a job's error.
func (e *Mongo) term(ctx context.Context, jobs []Job) error {
	e.leading.Store(true)
	defer e.leading.Store(false)
	e.log.InfoContext(ctx, "leading")
	g, gctx := errgroup.WithContext(ctx)
	hold, stop := context.WithCancel(gctx)
	for _, job := range jobs {
		g.Go(func() error { return job(hold) })
	}
	err := e.renew(hold)
	stop()
	jobErr := g.Wait()
	if err != nil {
		e.log.WarnContext(ctx, "lost leadership", "error", err)
	}
	return jobErr
}

// renew extends the lease every third of it until ctx is done (nil), or
// until it could not be extended before it ran out.
func (e *Mongo) renew(ctx context.Context) error {
	renewed := time.Now()
	for outage.Sleep(ctx, e.lease/3) {
		ok, err := e.acquire(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil && ok:
			renewed = time.Now()
		case err == nil:
			return errLeaseLost
		case time.Since(renewed) > e.lease*2/3:
			return fmt.Errorf("%w: %w", errLeaseLost, err)
		}
	}
	return nil
}

// acquire takes or extends the lease if it is free, expired or already
// this replica's, and reports whether this replica holds it now.
func (e *Mongo) acquire(ctx context.Context) (bool, error) {
	now := time.Now()
	filter := bson.D{{Key: "_id", Value: e.name}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "holder", Value: e.holder}},
		bson.D{{Key: "expires", Value: bson.D{{Key: "$lt", Value: now}}}},
	}}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: e.holder}, {Key: "expires", Value: now.Add(e.lease)}}}}
	res, err := e.coll.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil // another replica holds an unexpired lease
	}
	if err != nil {
		return false, fmt.Errorf("acquire lease: %w", err)
	}
	return res.MatchedCount+res.UpsertedCount > 0, nil
}

// release gives the lease up if this replica holds it.
func (e *Mongo) release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, e.lease)
	defer cancel()
	filter := bson.D{{Key: "_id", Value: e.name}, {Key: "holder", Value: e.holder}}
	if _, err := e.coll.DeleteOne(ctx, filter); err != nil {
		e.log.WarnContext(ctx, "release lease", "error", err)
	}
}
