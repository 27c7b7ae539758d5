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
// lease: a document {_id: name, holder, expires, term} that the leader
// renews every third of the lease, and that any replica may take once it
// expired, or, given a Liveness, as soon as its holder is found gone.
//
// A lease changes hands only through a claim: the replica taking it first
// inserts a document whose _id names the term it ends, and only the one
// whose insert succeeds writes the lease. An insert against a unique _id
// is atomic on every MongoDB-wire store, where a conditional update is not:
// FerretDB's update reads the matching document, then writes it back, so
// two replicas matching the same holder would both have won.
// It needs neither transactions nor TTL indexes, so it works on FerretDB.
// The replicas' clocks must agree to well within the lease.
type Mongo struct {
	coll       *mongo.Collection
	name       string
	holder     string
	term       string // the term this replica leads, "" while it does not
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
	e := &Mongo{coll: coll, name: name, holder: newID(), lease: lease,
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
		if err := e.lead(ctx, jobs); err != nil {
			return err
		}
	}
	return nil
}

// lead runs the jobs while the lease is renewed, and returns a job's error.
func (e *Mongo) lead(ctx context.Context, jobs []Job) error {
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

// acquire extends the lease if this replica holds it, or takes it if it
// is free or expired, and reports whether this replica holds it now.
func (e *Mongo) acquire(ctx context.Context) (bool, error) {
	if e.term != "" {
		return e.extend(ctx)
	}
	l, err := readLease(ctx, e.coll, e.name)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return e.create(ctx)
	case err != nil:
		return false, err
	case l.Expires.After(time.Now()):
		return false, nil // another replica holds it
	}
	return e.takeOver(ctx, l)
}

// extend renews the lease of the term this replica leads; it fails when
// another replica has taken the lease since.
func (e *Mongo) extend(ctx context.Context) (bool, error) {
	filter := bson.D{{Key: "_id", Value: e.name}, {Key: "holder", Value: e.holder}, {Key: "term", Value: e.term}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "expires", Value: time.Now().Add(e.lease)}}}}
	res, err := e.coll.UpdateOne(ctx, filter, update)
	if err != nil {
		return false, fmt.Errorf("renew lease: %w", err)
	}
	if res.MatchedCount == 0 {
		e.term = ""
		return false, nil
	}
	return true, nil
}

// create writes the first lease of the election; of replicas racing to,
// the one whose insert lands first takes it.
func (e *Mongo) create(ctx context.Context) (bool, error) {
	term := newID()
	_, err := e.coll.InsertOne(ctx, bson.D{{Key: "_id", Value: e.name}, {Key: "holder", Value: e.holder},
		{Key: "expires", Value: time.Now().Add(e.lease)}, {Key: "term", Value: term}})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create lease: %w", err)
	}
	e.term = term
	return true, nil
}

// takeOver ends the term of l, a lease found expired or whose holder was
// found gone, and starts this replica's. It claims l's term first: of
// replicas that found it so, only the one whose claim is inserted first
// goes on. The claim is deleted once the lease is written, when no later
// reader can find l's term any more. A claim its taker could not delete
// (the database went away mid-takeover) expires with a lease's length, so
// that it cannot bar the term's takeover for good.
func (e *Mongo) takeOver(ctx context.Context, l lease) (bool, error) {
	id := e.name + "/claim/" + l.Term
	claim := bson.D{{Key: "_id", Value: id}}
	_, err := e.coll.InsertOne(ctx, append(claim, bson.E{Key: "expires", Value: time.Now().Add(e.lease)}))
	if mongo.IsDuplicateKeyError(err) {
		// Another replica is taking it, or left a claim behind: drop that
		// one once expired, for the next attempt.
		stale := bson.D{{Key: "_id", Value: id}, {Key: "expires", Value: bson.D{{Key: "$lt", Value: time.Now()}}}}
		if _, err := e.coll.DeleteOne(ctx, stale); err != nil {
			return false, fmt.Errorf("drop expired lease claim: %w", err)
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim lease: %w", err)
	}
	defer func() {
		if _, err := e.coll.DeleteOne(context.WithoutCancel(ctx), claim); err != nil {
			e.log.WarnContext(ctx, "delete lease claim", "error", err)
		}
	}()
	term := newID()
	filter := bson.D{{Key: "_id", Value: e.name}, {Key: "term", Value: termValue(l.Term)}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: e.holder},
		{Key: "expires", Value: time.Now().Add(e.lease)}, {Key: "term", Value: term}}}}
	res, err := e.coll.UpdateOne(ctx, filter, update)
	if err != nil {
		return false, fmt.Errorf("take lease: %w", err)
	}
	if res.MatchedCount == 0 {
		return false, nil // its holder renewed it meanwhile
	}
	e.term = term
	return true, nil
}

// release gives the lease up if this replica holds it, ending it now so
// that a standby takes it at its next attempt.
func (e *Mongo) release(ctx context.Context) {
	if e.term == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, e.lease)
	defer cancel()
	filter := bson.D{{Key: "_id", Value: e.name}, {Key: "holder", Value: e.holder}, {Key: "term", Value: e.term}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "expires", Value: time.Unix(0, 0)}}}}
	if _, err := e.coll.UpdateOne(ctx, filter, update); err != nil {
		e.log.WarnContext(ctx, "release lease", "error", err)
	}
	e.term = ""
}

// lease is the lease document.
type lease struct {
	Holder  string    `bson:"holder"`
	Expires time.Time `bson:"expires"`
	Term    string    `bson:"term"` // "" in a lease written without terms
}

func readLease(ctx context.Context, coll *mongo.Collection, name string) (lease, error) {
	var l lease
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&l)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		err = fmt.Errorf("read lease: %w", err)
	}
	return l, err
}

// termValue matches a lease's term in a filter: a lease written without
// one is matched by null, which matches a missing field.
func termValue(term string) any {
	if term == "" {
		return nil
	}
	return term
}

// newID returns a random id for a holder or a term.
func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
