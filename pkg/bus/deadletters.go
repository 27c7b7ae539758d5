package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrNotFound is returned for a dead letter that does not exist (any more).
var ErrNotFound = errors.New("dead letter not found")

// DefaultListLimit is how many dead letters List returns when the filter sets
// no limit.
const DefaultListLimit = 1000

// DeadLetter is a message in the DLQ stream, as the admin API shows it.
type DeadLetter struct {
	ID         uint64            `json:"id"` // DLQ stream sequence
	Service    string            `json:"service"`
	Type       string            `json:"type"`
	Subject    string            `json:"subject"` // where the event was published
	Error      string            `json:"error"`
	Deliveries uint64            `json:"deliveries"`
	Time       time.Time         `json:"time"` // when it was dead-lettered
	Headers    map[string]string `json:"headers"`
	Payload    json.RawMessage   `json:"payload"`
}

// DLQFilter selects dead letters; empty fields match everything.
type DLQFilter struct {
	Service string // the service that dead-lettered it
	Type    string // the event type, e.g. "order.placed.v1"
	// Limit is the most dead letters returned, oldest first; zero means
	// DefaultListLimit.
	Limit int
	// After keeps only dead letters with a larger id (stream sequence), so
	// that a listing can go on where a previous one stopped; zero starts at
	// the oldest.
	After uint64
}

// DeadLetters administers the DLQ stream.
type DeadLetters struct {
	js jetstream.JetStream
}

// NewDeadLetters administers the DLQ stream of b.
func NewDeadLetters(b *Bus) *DeadLetters { return &DeadLetters{js: b.js} }

// subject is the DLQ subject filter that f stands for.
func (f DLQFilter) subject() string {
	switch {
	case f.Service == "" && f.Type == "":
		return "dlq.>"
	case f.Type == "":
		return "dlq." + f.Service + ".>"
	case f.Service == "":
		return "dlq.*." + f.Type
	}
	return "dlq." + f.Service + "." + f.Type
}

// Depth is the number of dead letters.
func (d *DeadLetters) Depth(ctx context.Context) (uint64, error) {
	n, err := dlqDepth(ctx, d.js)
	if err != nil {
		return 0, fmt.Errorf("dlq depth: %w", err)
	}
	return n, nil
}

// Get returns the dead letter with stream sequence id, or ErrNotFound.
func (d *DeadLetters) Get(ctx context.Context, id uint64) (DeadLetter, error) {
	raw, err := d.getRaw(ctx, id)
	if err != nil {
		return DeadLetter{}, err
	}
	return toDeadLetter(raw.Sequence, raw.Subject, raw.Header, raw.Data, raw.Time), nil
}

func (d *DeadLetters) getRaw(ctx context.Context, id uint64) (*jetstream.RawStreamMsg, error) {
	s, err := d.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return nil, fmt.Errorf("dlq stream: %w", err)
	}
	raw, err := s.GetMsg(ctx, id)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("get dead letter %d: %w", id, err)
	}
	return raw, nil
}

// Discard deletes the dead letter id for good.
func (d *DeadLetters) Discard(ctx context.Context, id uint64) error {
	s, err := d.js.Stream(ctx, StreamDLQ)
	if err != nil {
		return fmt.Errorf("dlq stream: %w", err)
	}
	err = s.DeleteMsg(ctx, id)
	if errors.Is(err, jetstream.ErrMsgNotFound) || errors.Is(err, jetstream.ErrMsgDeleteUnsuccessful) {
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("discard dead letter %d: %w", id, err)
	}
	return nil
}

// Replay publishes the dead letter's event again on its original subject with
// its original headers, under a new ce-id (so the duplicate window and the
// consumers' inboxes see a new event) and dlq-replay-of naming the old one,
// then deletes the dead letter.
func (d *DeadLetters) Replay(ctx context.Context, id uint64) error {
	raw, err := d.getRaw(ctx, id)
	if err != nil {
		return err
	}
	m, err := replayMsg(raw.Header, raw.Data)
	if err != nil {
		return fmt.Errorf("replay dead letter %d: %w", id, err)
	}
	if _, err := d.js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("replay dead letter %d: %w", id, err)
	}
	if err := d.Discard(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("replay dead letter %d: %w", id, err)
	}
	return nil
}

// replayMsg rebuilds the original message of a dead letter with a new id.
func replayMsg(dlq nats.Header, data []byte) (*nats.Msg, error) {
	subject := dlq.Get(HeaderDLQSubject)
	if subject == "" {
		return nil, fmt.Errorf("no %s header", HeaderDLQSubject)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("new event id: %w", err)
	}
	h := make(nats.Header, len(dlq))
	for k, v := range dlq {
		if !strings.HasPrefix(k, "dlq-") {
			h[k] = v
		}
	}
	h[HeaderDLQReplayOf] = []string{dlq.Get(HeaderID)}
	h[HeaderID] = []string{id.String()}
	h[HeaderMsgID] = []string{id.String()}
	return &nats.Msg{Subject: subject, Header: h, Data: data}, nil
}

// toDeadLetter converts a DLQ message to the admin view.
func toDeadLetter(seq uint64, subject string, h nats.Header, data []byte, stored time.Time) DeadLetter {
	dl := DeadLetter{
		ID:      seq,
		Service: h.Get(HeaderDLQService),
		Type:    h.Get(HeaderType),
		Subject: h.Get(HeaderDLQSubject),
		Error:   h.Get(HeaderDLQError),
		Time:    stored,
		Headers: make(map[string]string, len(h)),
	}
	if dl.Type == "" {
		dl.Type = strings.TrimPrefix(subject, "dlq."+dl.Service+".")
	}
	dl.Deliveries, _ = strconv.ParseUint(h.Get(HeaderDLQDeliveries), 10, 64)
	if t, err := time.Parse(time.RFC3339Nano, h.Get(HeaderDLQTime)); err == nil {
		dl.Time = t
	}
	for k := range h {
		dl.Headers[k] = h.Get(k)
	}
	if json.Valid(data) {
		dl.Payload = data
	} else {
		// A body that is not JSON is shown as a JSON string, so the admin
		// API's response stays valid JSON.
		dl.Payload, _ = json.Marshal(string(data))
	}
	return dl
}
