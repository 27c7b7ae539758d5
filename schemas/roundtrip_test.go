package schemas_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/schemas"
)

// TestGoTypesRoundTripExamples decodes every valid example into its Go type
// with unknown fields disallowed, encodes it again and checks that the result
// still validates and carries every field of the example.
func TestGoTypesRoundTripExamples(t *testing.T) {
	t.Parallel()
	for _, ex := range examples(t) {
		if !ex.valid {
			continue
		}
		t.Run(ex.typ+"/"+ex.name, func(t *testing.T) {
			t.Parallel()
			v, ok := schemas.NewPayload(ex.typ)
			if !ok {
				t.Fatalf("NewPayload(%s): no Go type", ex.typ)
			}
			dec := json.NewDecoder(bytes.NewReader(ex.data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("decode: %v", err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if err := schemas.Validate(ex.typ, out); err != nil {
				t.Fatalf("Validate(re-encoded): %v", err)
			}
			var want, got any
			if err := json.Unmarshal(ex.data, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip lost or changed fields (-example +re-encoded):\n%s", diff)
			}
		})
	}
}
