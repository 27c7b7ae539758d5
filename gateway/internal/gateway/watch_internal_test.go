package gateway

import (
	"net"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection: the watch peeks
// at a real socket.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if server, err = ln.Accept(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// waitUntil polls cond until it holds or 10 s pass.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

func (ws *watchers) isSleeping() bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.sleeping
}

// An idle gateway's watch loop stops ticking, and the next exchange wakes
// it: its watch still starts, and a client that hangs up still cancels it.
func TestWatchLoopSleepsWhenIdleAndWakesForTheNextExchange(t *testing.T) {
	ws := newWatchers()
	defer ws.close()
	waitUntil(t, "the idle loop sleeps", ws.isSleeping)

	client, server := tcpPair(t)
	w := ws.watch(server, time.Now().Add(-watchDelay))
	if ws.isSleeping() {
		t.Fatal("still marked asleep after an exchange registered")
	}
	client.Close()
	waitUntil(t, "the client hang-up cancels the exchange", w.cancel.Cancelled)
	ws.stop(w)
	waitUntil(t, "the loop sleeps again", ws.isSleeping)
}

// The loop goes to sleep only through sleep, which refuses while an
// exchange is in flight: a busy gateway never pays a wake-up per request.
func TestWatchLoopDoesNotSleepWithAnExchangeInFlight(t *testing.T) {
	ws := newWatchers()
	defer ws.close()
	_, server := tcpPair(t)
	w := ws.watch(server, time.Now())
	if ws.sleep() {
		t.Fatal("sleep accepted with an exchange in flight")
	}
	ws.stop(w)
	if !ws.sleep() {
		t.Fatal("sleep refused with nothing in flight")
	}
}
