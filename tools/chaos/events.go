package chaos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Streams whose events the duplicate flood copies, and the dead-letter stream.
var (
	floodStreams = []string{"ORDER", "INVENTORY", "PAYMENT"}
	dlqStream    = "DLQ"
)

// Events injects events straight into JetStream: copies of published
// events under fresh message ids, which JetStream's de-duplication cannot
// catch and the consumers' inboxes must, and poison events, which the
// consumers must dead-letter. It remembers the poison it sent, the only
// dead letters a run may leave.
type Events struct {
	js jetstream.JetStream
	// PerStream is how many of each stream's latest events a flood copies.
	PerStream int
	// Poison is how many invalid events a flood sends.
	Poison int

	mu       sync.Mutex
	poison   map[string]bool
	copies   int
	poisoned int
}

// NewEvents injects through js.
func NewEvents(js jetstream.JetStream) *Events {
	return &Events{js: js, PerStream: 50, Poison: 2, poison: map[string]bool{}}
}

// Flood republishes the latest PerStream events of each stream under
// fresh Nats-Msg-Ids (same ce-id, so the inbox knows them) and sends
// Poison invalid order.placed events; it returns a detail for the log.
func (e *Events) Flood(ctx context.Context) (string, error) {
	copies := 0
	for _, stream := range floodStreams {
		n, err := e.copyLatest(ctx, stream)
		copies += n
		if err != nil {
			return "", err
		}
	}
	for range e.Poison {
		if err := e.sendPoison(ctx); err != nil {
			return "", err
		}
	}
	e.mu.Lock()
	e.copies += copies
	e.poisoned += e.Poison
	e.mu.Unlock()
	return fmt.Sprintf("%d copies, %d poison", copies, e.Poison), nil
}

func (e *Events) copyLatest(ctx context.Context, stream string) (int, error) {
	s, err := e.js.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", stream, err)
	}
	last := s.CachedInfo().State.LastSeq
	n := 0
	for seq := last; seq > 0 && n < e.PerStream; seq-- {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("read %s #%d: %w", stream, seq, err)
		}
		msg := &nats.Msg{Subject: m.Subject, Header: nats.Header{}, Data: m.Data}
		for k, v := range m.Header {
			msg.Header[k] = v
		}
		msg.Header.Set(jetstream.MsgIDHeader, "chaos-copy-"+uuid.NewString())
		if _, err := e.js.PublishMsg(ctx, msg); err != nil {
			return n, fmt.Errorf("copy %s #%d: %w", stream, seq, err)
		}
		n++
	}
	return n, nil
}

// sendPoison publishes an order.placed event whose body fails its schema.
func (e *Events) sendPoison(ctx context.Context) error {
	id, order := uuid.NewString(), uuid.NewString()
	msg := &nats.Msg{Subject: "order.placed.v1." + order, Header: nats.Header{}, Data: []byte(`{"poison":true}`)}
	for k, v := range map[string]string{
		"ce-specversion": "1.0", "ce-id": id, "ce-source": "chaos", "ce-type": "order.placed.v1",
		"ce-time": time.Now().UTC().Format(time.RFC3339Nano), "ce-subject": order,
		"content-type": "application/json", jetstream.MsgIDHeader: id,
	} {
		msg.Header.Set(k, v)
	}
	if _, err := e.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("publish poison: %w", err)
	}
	e.mu.Lock()
	e.poison[id] = true
	e.mu.Unlock()
	return nil
}

// Injected returns how many copies and poison events were sent.
func (e *Events) Injected() (copies, poison int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.copies, e.poisoned
}

// UnexpectedDeadLetters lists the ce-ids of dead letters that are not
// poison this run sent: each is an event a consumer gave up on.
func (e *Events) UnexpectedDeadLetters(ctx context.Context) ([]string, error) {
	s, err := e.js.Stream(ctx, dlqStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream: %w", err)
	}
	var out []string
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read dead letter #%d: %w", seq, err)
		}
		id := m.Header.Get("ce-id")
		e.mu.Lock()
		expected := e.poison[id]
		e.mu.Unlock()
		if !expected {
			out = append(out, id+" ("+m.Header.Get("dlq-service")+": "+m.Header.Get("dlq-error")+")")
		}
	}
	return out, nil
}
