// Package testkit starts the real servers the platform's tests run against:
// an embedded NATS JetStream server per test, a throwaway PostgreSQL cluster
// and an embedded FerretDB (MongoDB wire protocol) per test process, and a
// polling helper so tests wait for conditions instead of sleeping.
//
// Only test files and test tools import this module, so nats-server and
// FerretDB never enter a production go.mod.
//
// Packages that use Postgres or Mongo stop the per-process servers after
// their tests with
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
//
// Without it, or when the test process crashes, the PostgreSQL server dies
// with the process (on Linux) and the next test process removes the
// temporary files left behind.
//
// Environment:
//   - PG_URL: a PostgreSQL server (superuser URL) to create the tests'
//     databases in instead of starting a cluster; the server binaries
//     (Debian/Ubuntu package postgresql) are needed only without it.
//   - MONGO_URL: a MongoDB server to use instead of the embedded FerretDB.
package testkit
