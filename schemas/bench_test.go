package schemas_test

import (
	"os"
	"testing"

	"github.com/eventshop/eventshop/schemas"
)

// BenchmarkValidate measures the per-event cost paid on every publish and
// every receipt.
func BenchmarkValidate(b *testing.B) {
	data, err := os.ReadFile("examples/order.placed.v2/valid-with-channel.json")
	if err != nil {
		b.Fatal(err)
	}
	if err := schemas.Validate(schemas.TypeOrderPlacedV2, data); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := schemas.Validate(schemas.TypeOrderPlacedV2, data); err != nil {
			b.Fatal(err)
		}
	}
}
