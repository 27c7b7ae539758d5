// Package smoke holds the smoke test of `make run`: the launcher started as a
// user starts it, driven through the gateway on :8080, and stopped.
package smoke
