// Package tracecheck holds the test that one order is one trace: the
// platform, started as it ships with its spans exported over OTLP/HTTP to
// a receiver in the test, must record the order's trace with spans from
// the gateway and every service, each span's parent in the trace and the
// services joined across NATS, producer to consumer.
package tracecheck
