package outbox

import (
	"sync/atomic"

	"github.com/eventshop/eventshop/pkg/event"
)

// MongoHandoff is the optional fast path from the writers of a collection
// to its MongoRelay in the same process, the MongoDB counterpart of
// Handoff: a writer that pushed events to a document's outbox array tells
// the relay, which publishes them without looking for them. Create one
// when the service is wired and pass the same value to the relay
// (MongoOptions.Handoff) and to the writers.
//
// The relay is attached only while it runs (MongoRelay.Run), which, of
// several replicas, the elected one does. A nil *MongoHandoff, or one
// whose relay does not run in this process, hands nothing over: Handed
// reports false, and the writer lists the document where the running
// relay polls for it (MongoOptions.Pending), or the events wait for the
// relay's pass over the collection at the start of its term.
type MongoHandoff struct {
	relay atomic.Pointer[MongoRelay] // the running relay, nil while none runs
}

// NewMongoHandoff returns a hand-off with no relay yet; the relay given it
// in MongoOptions.Handoff attaches while it runs.
func NewMongoHandoff() *MongoHandoff { return &MongoHandoff{} }

// Handed gives the running relay of this process the events a write just
// pushed to the outbox array of the document with this _id (see
// MongoRelay.Handed), and reports whether there was one to take them.
// Call it after the write succeeded, in the order of the writes.
func (h *MongoHandoff) Handed(id any, evs ...event.Event) bool {
	r := h.attached()
	if r == nil {
		return false
	}
	r.Handed(id, evs...)
	return true
}

// NotifyIDs tells the running relay of this process of documents with
// events pending (see MongoRelay.NotifyIDs), and reports whether there was
// one to tell.
func (h *MongoHandoff) NotifyIDs(ids ...any) bool {
	r := h.attached()
	if r == nil {
		return false
	}
	r.NotifyIDs(ids...)
	return true
}

func (h *MongoHandoff) attached() *MongoRelay {
	if h == nil {
		return nil
	}
	return h.relay.Load()
}

// attach makes r the relay that takes the hand-offs, while it runs.
func (h *MongoHandoff) attach(r *MongoRelay) {
	if h != nil {
		h.relay.Store(r)
	}
}

// detach stops handing over to r; events written from now on wait in
// their documents for the next relay.
func (h *MongoHandoff) detach(r *MongoRelay) {
	if h != nil {
		h.relay.CompareAndSwap(r, nil)
	}
}
