// Package load drives the shop through its gateway's public API at a chosen
// arrival rate and reports what happened: an open-loop load generator.
//
// Open loop means operations leave on the schedule of a vegeta Pacer
// (constant, ramp or steps), whether or not earlier ones have answered, so
// a slow platform shows as latency and errors instead of as a quietly lower
// rate. Each operation is one step of a synthetic customer's visit: browse
// the catalogue, place an order with a card drawn from a mix, list or read
// orders, cancel one, follow one to its end. Every placed order is then
// followed to its final status by a bounded pool of pollers, so a saga's
// end-to-end latency and outcome are measured through the API as a customer
// would see them.
//
// A run is started with Start and ended with Wait, which returns a Report:
// name=value lines, an HTML page of plots, and counts that a caller (the
// command in tools/cmd/load, or a fault-injection suite) can check. Faults a
// caller injects while the run goes are recorded with Run.AddFault, so they
// are shaded on the plots and written to the same operation log.
package load
