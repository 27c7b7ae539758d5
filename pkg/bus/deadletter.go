package bus

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Headers a dead letter carries besides the original message's headers.
const (
	HeaderDLQError      = "dlq-error"
	HeaderDLQDeliveries = "dlq-deliveries"
	HeaderDLQSubject    = "dlq-subject"
	HeaderDLQStream     = "dlq-stream"
	HeaderDLQSequence   = "dlq-sequence"
	HeaderDLQConsumer   = "dlq-consumer"
	HeaderDLQService    = "dlq-service"
	HeaderDLQTime       = "dlq-time"
	// HeaderDLQReplayOf is set on a replayed event: the ce-id of the dead
	// letter it was replayed from.
	HeaderDLQReplayOf = "dlq-replay-of"
)

const dlqPublishTimeout = 5 * time.Second

// publishDeadLetter stores d in the DLQ stream with the reason it failed.
func (c *Consumer) publishDeadLetter(ctx context.Context, d delivery, cause error) error {
	ctx, cancel := context.WithTimeout(ctx, dlqPublishTimeout)
	defer cancel()
	m := deadLetterMsg(c.cfg.Service, d, cause)
	if _, err := c.b.js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("publish to %s: %w", m.Subject, err)
	}
	return nil
}

// deadLetterMsg is the DLQ message for d: subject "dlq.<service>.<type>", the
// original body and headers, and the dlq-* headers. Its Nats-Msg-Id names the
// consumer and the original stream position, so dead-lettering the same
// message twice (after a lost ack) stores it once, while two services that
// both reject it each get their own dead letter.
func deadLetterMsg(service string, d delivery, cause error) *nats.Msg {
	h := make(nats.Header, len(d.msg.Headers())+10)
	for k, v := range d.msg.Headers() {
		h[k] = v
	}
	seq := strconv.FormatUint(d.meta.Sequence.Stream, 10)
	h[HeaderMsgID] = []string{"dlq-" + d.meta.Consumer + "-" + d.meta.Stream + "-" + seq}
	h[HeaderDLQError] = []string{cause.Error()}
	h[HeaderDLQDeliveries] = []string{strconv.FormatUint(d.meta.NumDelivered, 10)}
	h[HeaderDLQSubject] = []string{d.msg.Subject()}
	h[HeaderDLQStream] = []string{d.meta.Stream}
	h[HeaderDLQSequence] = []string{seq}
	h[HeaderDLQConsumer] = []string{d.meta.Consumer}
	h[HeaderDLQService] = []string{service}
	h[HeaderDLQTime] = []string{time.Now().UTC().Format(time.RFC3339Nano)}
	subject := "dlq." + subjectToken(service) + "." + typeTokens(d.msg.Headers().Get(HeaderType))
	return &nats.Msg{Subject: subject, Header: h, Data: d.msg.Data()}
}

// typeTokens returns typ when it is usable as subject tokens, else "unknown":
// the type of a dead letter may be exactly what was wrong with it.
func typeTokens(typ string) string {
	if typ == "" {
		return "unknown"
	}
	for _, tok := range strings.Split(typ, ".") {
		if subjectToken(tok) != tok {
			return "unknown"
		}
	}
	return typ
}

// subjectToken returns s when it is a plain subject token, else "unknown".
func subjectToken(s string) string {
	if s == "" || strings.ContainsAny(s, ".*> \t\r\n") {
		return "unknown"
	}
	return s
}
