// Package outage_test checks against real servers that the errors of an
// unavailable dependency are told from those of a request that can never
// succeed.
package outage_test

import (
	"testing"

	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }
