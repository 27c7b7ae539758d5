package testkit

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

var errPending = errors.New("consumer has pending or unacked messages")

// Settled waits, at most timeout, until the durable consumer of stream has
// nothing pending and nothing unacked: every message it was given is handled.
func Settled(t testing.TB, js jetstream.JetStream, stream, durable string, timeout time.Duration) {
	t.Helper()
	EventuallyErr(t, timeout, func() error {
		c, err := js.Consumer(t.Context(), stream, durable)
		if err != nil {
			return err
		}
		info, err := c.Info(t.Context())
		if err != nil {
			return err
		}
		if info.NumPending+uint64(info.NumAckPending) != 0 {
			return errPending
		}
		return nil
	})
}
