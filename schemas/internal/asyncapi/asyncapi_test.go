package asyncapi_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/schemas/internal/asyncapi"
)

// root is the schemas module root, relative to this package.
var root = filepath.Join("..", "..")

func TestGeneratedFilesAreUpToDate(t *testing.T) {
	t.Parallel()
	doc, err := asyncapi.Document()
	if err != nil {
		t.Fatal(err)
	}
	md, err := asyncapi.Catalogue(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"asyncapi.json": doc, filepath.Join("..", "docs", "events.md"): md} {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `go run ./cmd/asyncapi-gen` in schemas/", name)
		}
	}
	if !bytes.Equal(schemas.AsyncAPI(), doc) {
		t.Error("schemas.AsyncAPI() differs from the generated document")
	}
}

// TestDocumentMatchesAsyncAPISpec validates asyncapi.json against the official
// AsyncAPI 3.0.0 JSON Schema (from the @asyncapi/specs package, bundled with
// every definition it references; its draft-07 metaschema is built into the
// validator).
func TestDocumentMatchesAsyncAPISpec(t *testing.T) {
	t.Parallel()
	spec := compileSpec(t)
	doc := decode(t, schemas.AsyncAPI())
	if err := spec.Validate(doc); err != nil {
		t.Fatalf("asyncapi.json breaks the AsyncAPI 3.0.0 schema: %v", err)
	}
	broken := decode(t, []byte(`{"asyncapi":"3.0.0","info":{"title":"x","version":"1"},"channels":{"c":{"address":7}}}`))
	if err := spec.Validate(broken); err == nil {
		t.Error("the spec schema accepted a channel address that is a number")
	}
}

func compileSpec(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(root, "testdata", "asyncapi", "3.0.0.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "http://asyncapi.com/definitions/3.0.0/asyncapi.json"
	if err := c.AddResource(url, decode(t, raw)); err != nil {
		t.Fatal(err)
	}
	spec, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile AsyncAPI spec: %v", err)
	}
	return spec
}

func decode(t *testing.T, raw []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDocumentRefsResolve checks every local $ref points at something from
// the document's root, as AsyncAPI tools resolve them (a payload schema's
// "#/$defs/…" would not), which the spec schema cannot check.
func TestDocumentRefsResolve(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(schemas.AsyncAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	refs := 0
	walk(doc, func(ref string) {
		if !strings.HasPrefix(ref, "#") {
			return
		}
		refs++
		var cur any = doc
		for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			obj, _ := cur.(map[string]any)
			cur = obj[tok]
		}
		if cur == nil {
			t.Errorf("$ref %s points nowhere", ref)
		}
	})
	if refs == 0 {
		t.Fatal("no $ref found")
	}
}

func walk(v any, visit func(ref string)) {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok {
			visit(ref)
		}
		for _, e := range t {
			walk(e, visit)
		}
	case []any:
		for _, e := range t {
			walk(e, visit)
		}
	}
}

func TestOperationsFollowTheCatalogue(t *testing.T) {
	t.Parallel()
	var doc struct {
		Operations map[string]struct {
			Action string `json:"action"`
		} `json:"operations"`
	}
	if err := json.Unmarshal(schemas.AsyncAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"order.send.orderPlacedV2":                "send",
		"inventory.receive.orderPlacedV2":         "receive",
		"payment.receive.inventoryReservedV1":     "receive",
		"gateway.receive.inventoryStockChangedV1": "receive",
	}
	for id, action := range want {
		if got := doc.Operations[id].Action; got != action {
			t.Errorf("operation %s action = %q, want %q", id, got, action)
		}
	}
	count := 0
	for _, ev := range schemas.List() {
		count += 1 + len(ev.Consumers)
	}
	if len(doc.Operations) != count {
		t.Errorf("%d operations, want %d (one send per event, one receive per consumer)", len(doc.Operations), count)
	}
}
