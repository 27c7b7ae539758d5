package gateway

import "unsafe"

// b2s views b as a string without copying, for lookups and comparisons
// during a request: fasthttp reuses b once the request is done, so the
// string must not be kept.
func b2s(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// s2b views s as bytes without copying, for fasthttp calls that copy them.
func s2b(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
