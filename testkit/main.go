package testkit

import (
	"fmt"
	"os"
	"testing"
)

// Main runs the tests and then stops the per-process PostgreSQL cluster and
// FerretDB, if they were started, and exits. Call it from TestMain:
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	stopSharedMongo()
	if err := stopSharedPostgres(); err != nil {
		fmt.Fprintf(os.Stderr, "testkit: stop postgres: %v\n", err)
	}
	os.Exit(code)
}
