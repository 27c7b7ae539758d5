package schemas_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/schemas"
)

// example is one payload file under examples/<type>/.
type example struct {
	typ   string
	name  string // file name without .json: valid-basic, invalid-quantity-zero
	data  []byte
	valid bool
}

// field is the field an invalid example breaks: invalid-<field>-<why>.
func (e example) field() string {
	f, _, _ := strings.Cut(strings.TrimPrefix(e.name, "invalid-"), "-")
	return f
}

// examples reads every example file, failing the test if there are none.
func examples(t testing.TB) []example {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("examples", "*", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	out := make([]example, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		out = append(out, example{
			typ:   filepath.Base(filepath.Dir(p)),
			name:  name,
			data:  data,
			valid: strings.HasPrefix(name, "valid-"),
		})
	}
	return out
}

func TestExamples(t *testing.T) {
	t.Parallel()
	for _, ex := range examples(t) {
		t.Run(ex.typ+"/"+ex.name, func(t *testing.T) {
			t.Parallel()
			err := schemas.Validate(ex.typ, ex.data)
			if ex.valid {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ve *schemas.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *schemas.ValidationError", err)
			}
			if !strings.Contains(err.Error(), "/"+ex.field()) {
				t.Errorf("error %q does not name field %q", err, ex.field())
			}
		})
	}
}

func TestEveryTypeHasValidAndInvalidExamples(t *testing.T) {
	t.Parallel()
	count := map[string][2]int{}
	for _, ex := range examples(t) {
		c := count[ex.typ]
		if ex.valid {
			c[0]++
		} else {
			c[1]++
		}
		count[ex.typ] = c
	}
	for _, info := range schemas.List() {
		if c := count[info.Type]; c[0] == 0 || c[1] == 0 {
			t.Errorf("%s: %d valid and %d invalid examples, want at least one of each", info.Type, c[0], c[1])
		}
		delete(count, info.Type)
	}
	for typ := range count {
		t.Errorf("examples/%s: no such event type", typ)
	}
}

// TestOrderPlacedV2AcceptsV1 pins the upgrade path: a v2 consumer validates
// v1 payloads, and a v1 consumer tolerates the field v2 added.
func TestOrderPlacedV2AcceptsV1(t *testing.T) {
	t.Parallel()
	for _, ex := range examples(t) {
		if !ex.valid || !strings.HasPrefix(ex.typ, "order.placed.") {
			continue
		}
		for _, typ := range []string{schemas.TypeOrderPlacedV1, schemas.TypeOrderPlacedV2} {
			if err := schemas.Validate(typ, ex.data); err != nil {
				t.Errorf("%s/%s as %s: %v", ex.typ, ex.name, typ, err)
			}
		}
	}
}
