//go:build linux && !evloop_portable

package evloop

import (
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

// A loop that has had nothing to do for a while leaves the kernel and
// parks in the runtime's poller; the next event must still reach it, and
// it must go back to waiting in the kernel after that.
func TestAnIdleLoopParksAndWakesForTheNextEvent(t *testing.T) {
	r := newRecorder()
	r.echo = true
	e, addr := start(t, r)
	l := e.loops[0]
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	receive(t, r.opened, "open")
	got := make([]byte, 4)
	for round := range 3 {
		eventually(t, "the loop parked", l.parked.Load)
		if _, err := nc.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(nc, got); err != nil || string(got) != "ping" {
			t.Fatalf("round %d: read %q, %v; want the echo of ping", round, got, err)
		}
	}
	eventually(t, "the loop parked", l.parked.Load)
	done := make(chan struct{})
	if err := l.Execute(func() { close(done) }); err != nil {
		t.Fatal(err)
	}
	receive(t, done, "a task on the parked loop")
}

// A loop waiting in the kernel holds its P, so the loops must not take
// the Ps the program's other goroutines run on.
func TestLoopsAddAPEachForAsLongAsTheyRun(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	loops := DefaultLoops()
	e, err := Listen(freeAddr(t), 3, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != before+3 {
		t.Errorf("GOMAXPROCS with three loops running: %d, want %d", got, before+3)
	}
	if got := DefaultLoops(); got != loops {
		t.Errorf("DefaultLoops with three loops running: %d, want %d as before", got, loops)
	}
	e.Stop()
	e.Stop() // a second Stop changes nothing
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS after Stop: %d, want %d", got, before)
	}
}
