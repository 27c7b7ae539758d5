package schemas_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/schemas"
)

// FuzzValidate feeds arbitrary bytes to Validate for every event type: it
// must never panic, must reject anything that is not JSON, and must explain
// every schema rejection with at least one field pointer. The seed corpus in
// testdata/fuzz/FuzzValidate holds the examples.
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{``, `null`, `[]`, `{}`, `{"items":[{}]}`, `{"order_id":1e400}`} {
		f.Add([]byte(seed))
	}
	types := schemas.List()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, info := range types {
			checkValidate(t, info.Type, data)
		}
		err := schemas.Validate("no.such.v1", data)
		if !errors.Is(err, schemas.ErrUnknownType) {
			t.Fatalf("unknown type: Validate = %v, want ErrUnknownType", err)
		}
	})
}

func checkValidate(t *testing.T, typ string, data []byte) {
	t.Helper()
	err := schemas.Validate(typ, data)
	if err == nil {
		if !json.Valid(data) {
			t.Fatalf("%s: accepted invalid JSON %q", typ, data)
		}
		return
	}
	if err.Error() == "" {
		t.Fatalf("%s: empty error message", typ)
	}
	var ve *schemas.ValidationError
	if !errors.As(err, &ve) {
		if !strings.HasPrefix(err.Error(), "decode payload: ") {
			t.Fatalf("%s: error %v is neither a decode nor a validation error", typ, err)
		}
		return
	}
	if len(ve.Fields) == 0 {
		t.Fatalf("%s: validation error without fields", typ)
	}
	for _, fe := range ve.Fields {
		if fe.Pointer != "" && !strings.HasPrefix(fe.Pointer, "/") || fe.Message == "" {
			t.Fatalf("%s: bad field error %+v", typ, fe)
		}
	}
}
