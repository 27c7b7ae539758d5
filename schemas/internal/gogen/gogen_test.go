package gogen_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/eventshop/eventshop/schemas/internal/gogen"
)

// root is the schemas module root, relative to this package.
var root = filepath.Join("..", "..")

func TestGeneratedTypesAreUpToDate(t *testing.T) {
	t.Parallel()
	want, err := gogen.Generate(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "types_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("types_gen.go is stale: run `go run ./cmd/schemas-gen` in schemas/")
	}
	if !bytes.HasPrefix(got, []byte(gogen.Header+"\n")) {
		t.Errorf("types_gen.go does not start with %q", gogen.Header)
	}
}

const catalog = `{"events":[{"type":"shop.a.v1"},{"type":"shop.b.v1"}]}`

func TestGenerate(t *testing.T) {
	t.Parallel()
	line := `"$defs":{"line":{"type":"object","description":"A line.","required":["sku"],"properties":{"sku":{"type":"string"}}}}`
	other := `"$defs":{"line":{"type":"object","properties":{"sku":{"type":"integer"}}}}`
	tests := []struct {
		name, a, b string
		want       string // substring of the source or of the error
		fails      bool
	}{
		{"fields in schema order with initialisms", `{"title":"ShopAV1","type":"object","required":["z_id"],"properties":{"z_id":{"type":"string"},"a_url":{"type":"boolean"}}}`,
			`{"title":"ShopBV1","type":"object"}`, "ZID  string `json:\"z_id\"`\n\tAURL bool   `json:\"a_url,omitempty\"`", false},
		{"shared defs become one type", `{"title":"ShopAV1","type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/$defs/line"}}},` + line + `}`,
			`{"title":"ShopBV1","type":"object",` + line + `}`, "// Line is a line.\ntype Line struct", false},
		{"go type override", `{"title":"ShopAV1","type":"object","properties":{"n":{"type":"integer","x-go-type":"int"}}}`,
			`{"title":"ShopBV1","type":"object"}`, "N int `json:\"n,omitempty\"`", false},
		{"conflicting defs", `{"title":"ShopAV1","type":"object",` + line + `}`, `{"title":"ShopBV1","type":"object",` + other + `}`,
			"generate shop.b.v1: $defs/line differs", true},
		{"unsupported type", `{"title":"ShopAV1","type":"object","properties":{"n":{"type":"null"}}}`, `{"title":"ShopBV1","type":"object"}`,
			`ShopAV1.n: type "null" is not supported`, true},
		{"missing title", `{"type":"object"}`, `{"title":"ShopBV1","type":"object"}`, `title "" is not an exported Go name`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{
				"catalog.json":   {Data: []byte(catalog)},
				"shop/a.v1.json": {Data: []byte(tt.a)},
				"shop/b.v1.json": {Data: []byte(tt.b)},
			}
			src, err := gogen.Generate(fsys)
			got := string(src)
			if err != nil {
				got = err.Error()
			}
			if (err != nil) != tt.fails {
				t.Fatalf("Generate error = %v, want failure %v", err, tt.fails)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, got)
			}
		})
	}
}
