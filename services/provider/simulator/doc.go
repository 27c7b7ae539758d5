// Package simulator is the payment provider that the platform talks to: a
// small HTTP service with deterministic card tokens and injectable faults.
//
// It lives outside internal/ so that the payment service's tests can start it
// in-process with httptest.NewServer(simulator.New(...)) and exercise their
// client against the same code that runs as cmd/provider.
//
// Card tokens:
//   - tok_visa approves (201 with an authorization),
//   - tok_decline declines (402 with reason "card_declined"),
//   - tok_timeout never answers in time: the request is held until the
//     client gives up or Config.HoldLimit passes,
//   - any other token is a bad request (400).
//
// State lives in memory, guarded by one mutex: the simulator stands in for an
// outside system, so it has no database of its own. With Config.DataDir set,
// every change is also appended to a JSON-lines journal before it
// is answered, and the journal is replayed at start, so that a restarted
// simulator, like a real provider, still knows what it authorized.
package simulator
