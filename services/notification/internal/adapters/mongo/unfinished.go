package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/eventshop/eventshop/pkg/outbox"
	"github.com/eventshop/eventshop/services/notification/internal/domain"
)

// Unfinished is the name of the collection that lists the notifications
// whose work is not finished: not yet SENT, or SENT with their sent event
// not yet published. One entry per notification, _id = the notification's:
// due_at, when its next round falls due (or, once it is SENT, when to look
// at it again), and attempts, its failed rounds. The entry is where rounds
// are claimed (Claim), so that a claim is a conditional update of a small
// collection, not of the notifications.
//
// Why a list of its own: FerretDB on SQLite serves a query by _id alone
// from an index and reads every document for any other filter, so a query
// for due notifications over the notifications collection costs the whole
// collection, seconds once it holds tens of thousands. The list holds only
// the notifications in flight, so the worker's sweep for rounds another
// process left, which reads it, costs what is in flight, not what is stored.
const Unfinished = "notifications_unfinished"

// recheck is how long until an entry is looked at again when its work is
// not this sweep's to finish: a left sent event the relay was told of (in
// case the relay or its bus failed, or this process stopped), or a
// notification that could not be read.
const recheck = time.Minute

// entry is a notification's line in the unfinished list.
type entry struct {
	ID       string    `bson:"_id"`
	DueAt    time.Time `bson:"due_at"`
	Attempts int       `bson:"attempts"`
}

// list puts the notification id on the unfinished list, its next round due
// at after attempts failed rounds. It sets an entry that exists too, so
// that a conditional change made by a sweep that read it before matches
// nothing.
func (r *Notifications) list(ctx context.Context, id string, at time.Time, attempts int) error {
	update := bson.M{"$set": bson.M{"due_at": at, "attempts": attempts}}
	_, err := r.unfinished.UpdateOne(ctx, bson.M{"_id": id}, update, options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		// Another upsert inserted it first: it exists now, so this one updates.
		_, err = r.unfinished.UpdateOne(ctx, bson.M{"_id": id}, update, options.UpdateOne().SetUpsert(true))
	}
	if err != nil {
		return fmt.Errorf("list unfinished notification %s: %w", id, err)
	}
	return nil
}

// Due returns up to limit unsent notifications due at now, earliest first.
// It reads the unfinished list, not the notifications collection, and
// keeps the list as it goes: an entry whose notification is SENT leaves
// the list, or, while its sent event is still pending, has the relay told
// of it (a process stopped before relaying it); an entry that missed the
// last saved round (the process stopped between the two updates of
// SaveRetry) is set to it.
func (r *Notifications) Due(ctx context.Context, now time.Time, limit int) ([]domain.Notification, error) {
	for {
		entries, err := r.dueEntries(ctx, now, limit)
		if err != nil {
			return nil, err
		}
		var due []domain.Notification
		for _, e := range entries {
			n, ok, err := r.resolve(ctx, e, now)
			if err != nil {
				// Moved on, so that one unreadable notification does not
				// hold up the sweeps for every other.
				_ = r.reset(ctx, e, now.Add(recheck), e.Attempts)
				return nil, err
			}
			if ok {
				due = append(due, n)
			}
		}
		// Entries that yielded nothing have moved or gone: read on unless
		// that was the last of them.
		if len(due) > 0 || len(entries) < limit {
			return due, nil
		}
	}
}

func (r *Notifications) dueEntries(ctx context.Context, now time.Time, limit int) ([]entry, error) {
	opts := options.Find().SetSort(bson.D{{Key: "due_at", Value: 1}}).SetLimit(int64(limit))
	cur, err := r.unfinished.Find(ctx, bson.M{"due_at": bson.M{"$lte": now}}, opts)
	if err != nil {
		return nil, fmt.Errorf("find due notifications: %w", err)
	}
	var entries []entry
	if err := cur.All(ctx, &entries); err != nil {
		return nil, fmt.Errorf("read due notifications: %w", err)
	}
	return entries, nil
}

// resolve reads the notification of a due entry by _id and returns it if
// its round is due; otherwise it moves the entry on or removes it.
func (r *Notifications) resolve(ctx context.Context, e entry, now time.Time) (domain.Notification, bool, error) {
	raw, err := r.coll.FindOne(ctx, bson.M{"_id": e.ID}).Raw()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		// Listed by an Add that stopped before its insert; the event is
		// delivered again, and its Add lists it anew.
		return domain.Notification{}, false, r.forget(ctx, e)
	case err != nil:
		return domain.Notification{}, false, fmt.Errorf("read notification %s: %w", e.ID, err)
	}
	var d document
	if err := bson.Unmarshal(raw, &d); err != nil {
		return domain.Notification{}, false, fmt.Errorf("decode notification %s: %w", e.ID, err)
	}
	n, err := toDomain(d)
	if err != nil {
		return domain.Notification{}, false, err
	}
	pending := hasPendingEvents(raw)
	switch {
	case n.Status() == domain.StatusSent && !pending:
		return n, false, r.forget(ctx, e)
	case n.Status() == domain.StatusSent:
		if !r.handoff.NotifyIDs(e.ID) {
			if err := r.forRelay(ctx, e.ID, e.Attempts); err != nil {
				return n, false, err
			}
		}
		return n, false, r.reset(ctx, e, now.Add(recheck), e.Attempts)
	case n.Attempts() != e.Attempts:
		return n, false, r.reset(ctx, e, n.NextAttemptAt(), n.Attempts())
	}
	return n, true, nil
}

// hasPendingEvents reports whether a notification's outbox array holds
// events the relay has not removed.
func hasPendingEvents(raw bson.Raw) bool {
	arr, ok := raw.Lookup(outbox.MongoField).ArrayOK()
	if !ok {
		return false
	}
	vals, err := arr.Values()
	return err == nil && len(vals) > 0
}

// forget removes e from the list unless it changed since it was read.
func (r *Notifications) forget(ctx context.Context, e entry) error {
	if _, err := r.unfinished.DeleteOne(ctx, bson.M{"_id": e.ID, "due_at": e.DueAt}); err != nil {
		return fmt.Errorf("unlist notification %s: %w", e.ID, err)
	}
	return nil
}

// reset sets e to at and attempts unless it changed since it was read.
func (r *Notifications) reset(ctx context.Context, e entry, at time.Time, attempts int) error {
	filter := bson.M{"_id": e.ID, "due_at": e.DueAt, "attempts": e.Attempts}
	if _, err := r.unfinished.UpdateOne(ctx, filter, bson.M{"$set": bson.M{"due_at": at, "attempts": attempts}}); err != nil {
		return fmt.Errorf("reset unfinished notification %s: %w", e.ID, err)
	}
	return nil
}

// Claim moves n's next round to until if n is listed unfinished, due at
// now and has made no round since it was read (same attempts): a
// conditional update of one entry of the small unfinished list, so of two
// workers only one wins, and the claim costs what is in flight, not what
// is stored. The notification's next_attempt_at then follows, by _id.
func (r *Notifications) Claim(ctx context.Context, n domain.Notification, now, until time.Time) (bool, error) {
	filter := bson.M{"_id": n.ID(), "attempts": n.Attempts(), "due_at": bson.M{"$lte": now}}
	res, err := r.unfinished.UpdateOne(ctx, filter, bson.M{"$set": bson.M{"due_at": until}})
	if err != nil {
		return false, fmt.Errorf("claim notification %s: %w", n.ID(), err)
	}
	if res.ModifiedCount != 1 {
		return false, nil
	}
	if _, err := r.coll.UpdateOne(ctx, bson.M{"_id": n.ID()}, bson.M{"$set": bson.M{"next_attempt_at": until}}); err != nil {
		return false, fmt.Errorf("claim notification %s: %w", n.ID(), err)
	}
	return true, nil
}

// Relayed removes from the unfinished list the notifications whose sent
// events the relay published: their work is done. Pass it to the relay as
// outbox.MongoOptions.Relayed.
func (r *Notifications) Relayed(ctx context.Context, ids []any) error {
	if _, err := r.unfinished.DeleteMany(ctx, bson.M{"_id": bson.M{"$in": ids}}); err != nil {
		return fmt.Errorf("unlist relayed notifications: %w", err)
	}
	return nil
}

// ListUnsent puts on the unfinished list every unsent notification that is
// missing from it, as those stored before the list existed are, and
// returns how many it added. It reads the whole collection (on FerretDB),
// so it is for start-up.
func (r *Notifications) ListUnsent(ctx context.Context) (int, error) {
	opts := options.Find().SetProjection(bson.M{"_id": 1, "next_attempt_at": 1, "attempts": 1})
	cur, err := r.coll.Find(ctx, bson.M{"status": unsent()}, opts)
	if err != nil {
		return 0, fmt.Errorf("find unsent notifications: %w", err)
	}
	var unlisted []struct {
		ID       string    `bson:"_id"`
		Next     time.Time `bson:"next_attempt_at"`
		Attempts int       `bson:"attempts"`
	}
	if err := cur.All(ctx, &unlisted); err != nil {
		return 0, fmt.Errorf("read unsent notifications: %w", err)
	}
	added := 0
	for _, u := range unlisted {
		res, err := r.unfinished.UpdateOne(ctx, bson.M{"_id": u.ID}, bson.M{"$setOnInsert": bson.M{"due_at": u.Next, "attempts": u.Attempts}},
			options.UpdateOne().SetUpsert(true))
		if mongo.IsDuplicateKeyError(err) {
			continue // listed meanwhile by an Add
		}
		if err != nil {
			return added, fmt.Errorf("list unsent notification %s: %w", u.ID, err)
		}
		if res.UpsertedCount == 1 {
			added++
		}
	}
	return added, nil
}
