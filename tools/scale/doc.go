// Package scale runs the platform scaled out, several replicas of each
// service or a three-node JetStream cluster, under an order load, and reads
// what the scale-out tests and benchmarks judge it by: which replica leads
// the outbox relay, which node leads a stream, how much work each replica
// took, and whether the books balance once the platform is quiet.
package scale
