// Package rawconn gives the gateway TCP connections whose reads and writes
// skip the Go runtime's system-call bookkeeping. The gateway uses them for
// the upstream connections of requests it serves off its event loops
// (upstreams over TLS, the catalogue cache's fills).
//
// A read or write on a non-blocking socket returns within microseconds, but
// net.Conn makes it as a blocking system call: the runtime marks the
// goroutine's processor as in a system call, and the monitor thread, which
// wakes every 20 µs while that happens, hands the processor to another
// thread when the call outlasts a tick. On loopback a write does the
// receiver's TCP work too and often does outlast it, so under load the
// gateway paid for a thread hand-off, a futex wake and a monitor spinning
// at its shortest sleep on many requests. These connections make the same
// calls as raw system calls through the connection's syscall.RawConn,
// which keeps the runtime's poller, deadlines and close semantics: a call
// that would block parks the goroutine in the poller as before.
//
// The client end of a request-response exchange (WrapClient) also saves
// the read that would find nothing: its request goes out with the read
// that waits for the answer.
//
// Elsewhere than on Linux, Wrap and WrapClient leave connections as they
// are.
package rawconn
