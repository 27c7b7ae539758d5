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
// A nil *MongoHandoff, or one no relay was given, hands nothing over: the
// events wait in their documents for the relay's pass over the collection
// (at start, or when asked with Notify), which is the plain MongoDB
// outbox.
type MongoHandoff struct {
	relay atomic.Pointer[MongoRelay]
}

// NewMongoHandoff returns a hand-off with no relay yet; NewMongoRelay
// attaches the relay given it in MongoOptions.Handoff.
func NewMongoHandoff() *MongoHandoff { return &MongoHandoff{} }

// Handed gives the relay the events a write just pushed to the outbox
// array of the document with this _id (see MongoRelay.Handed). Call it
// after the write succeeded, in the order of the writes.
func (h *MongoHandoff) Handed(id any, evs ...event.Event) {
	if r := h.attached(); r != nil {
		r.Handed(id, evs...)
	}
}

// NotifyIDs tells the relay of documents with events pending (see
// MongoRelay.NotifyIDs).
func (h *MongoHandoff) NotifyIDs(ids ...any) {
	if r := h.attached(); r != nil {
		r.NotifyIDs(ids...)
	}
}

func (h *MongoHandoff) attached() *MongoRelay {
	if h == nil {
		return nil
	}
	return h.relay.Load()
}
