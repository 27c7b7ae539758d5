package testkit_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/eventshop/eventshop/testkit"
)

func TestNATSRestartKeepsStreamAndPort(t *testing.T) {
	t.Parallel()
	ns := testkit.NATS(t)
	url := ns.URL()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
		t.Fatalf("create stream: %v", err)
	}
	for _, subj := range []string{"t.a", "t.b"} {
		if _, err := js.Publish(ctx, subj, []byte(subj)); err != nil {
			t.Fatalf("publish %s: %v", subj, err)
		}
	}

	ns.Restart(t)

	if got := ns.URL(); got != url {
		t.Fatalf("URL after restart = %q, want %q", got, url)
	}
	var msgs uint64
	testkit.EventuallyErr(t, 20*time.Second, func() error {
		info, err := js.Stream(ctx, "T")
		if err != nil {
			return err
		}
		msgs = info.CachedInfo().State.Msgs
		return nil
	})
	if diff := cmp.Diff(uint64(2), msgs); diff != "" {
		t.Errorf("messages after restart (-want +got):\n%s", diff)
	}
}

func TestNATSStopAndStart(t *testing.T) {
	t.Parallel()
	ns := testkit.NATS(t)
	ns.Stop()
	if _, err := nats.Connect(ns.URL()); err == nil {
		t.Fatal("connect to a stopped server succeeded")
	}
	ns.Start(t)
	nc, err := nats.Connect(ns.URL())
	if err != nil {
		t.Fatalf("connect after start: %v", err)
	}
	nc.Close()
}
