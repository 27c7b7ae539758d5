package jsonorder_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/schemas/internal/jsonorder"
)

func TestParseKeepsKeyOrder(t *testing.T) {
	t.Parallel()
	o, err := jsonorder.Parse([]byte(`{"z":1,"a":{"y":true,"b":null},"m":["x",{"k":"v"}],"z":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"z", "a", "m"}, o.Keys()); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"y", "b"}, o.Obj("a").Keys()); diff != "" {
		t.Errorf("nested Keys (-want +got):\n%s", diff)
	}
	if got := o.Get("z"); got != json.Number("2") {
		t.Errorf(`Get("z") = %v, want the last value 2`, got)
	}
	arr, _ := o.Get("m").([]any)
	if len(arr) != 2 || arr[0] != "x" || arr[1].(*jsonorder.Object).Str("k") != "v" {
		t.Errorf(`Get("m") = %v`, arr)
	}
	var none *jsonorder.Object
	if none.Keys() != nil || none.Str("x") != "" || none.Obj("x") != nil {
		t.Error("a nil Object is not empty")
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`[]`, `"s"`, `{"a":`, ``} {
		if _, err := jsonorder.Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = nil error", in)
		}
	}
}
