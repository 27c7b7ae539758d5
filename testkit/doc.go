// Package testkit starts the real servers the platform's tests run against:
// an embedded NATS JetStream server per test, a throwaway PostgreSQL cluster
// and an embedded FerretDB (MongoDB wire protocol) per test process, and a
// polling helper so tests wait for conditions instead of sleeping.
//
// Only test files and test tools import this module, so nats-server and
// FerretDB never enter a production go.mod.
//
// Packages that use Postgres or Mongo should stop the per-process servers
// after their tests:
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
package testkit
