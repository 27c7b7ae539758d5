package testkit_test

import (
	"testing"

	"github.com/eventshop/eventshop/testkit"
)

// TestFreePortNeverGivesAPortTwice takes many ports: the kernel, asked
// for any free port, gives ones it gave before, and FreePort must not.
func TestFreePortNeverGivesAPortTwice(t *testing.T) {
	seen := map[int]bool{}
	for range 3000 {
		port, err := testkit.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if seen[port] {
			t.Fatalf("port %d given twice", port)
		}
		seen[port] = true
	}
}
