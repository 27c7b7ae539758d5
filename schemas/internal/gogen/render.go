package gogen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/eventshop/eventshop/schemas/internal/jsonorder"
)

// initialisms are spelt in capitals in Go names (order_id → OrderID).
var initialisms = map[string]string{"id": "ID", "sku": "SKU", "skus": "SKUs", "url": "URL", "http": "HTTP"}

// file assembles the generated source: constants, shared types, payload
// structs and NewPayload.
func (g *generator) file(events []event) []byte {
	var b bytes.Buffer
	b.WriteString(Header + "\n\npackage schemas\n\n")
	b.WriteString("// Event types, as they appear in the ce-type header and as the first three\n")
	b.WriteString("// tokens of a NATS subject (\"<domain>.<event>.v<N>.<aggregate id>\").\nconst (\n")
	for _, ev := range events {
		name := ev.schema.Str("title")
		fmt.Fprintf(&b, "// Type%s is the type of events whose payload is %s.\nType%s = %q\n", name, name, name, ev.typ)
	}
	b.WriteString(")\n")
	var defs generator
	for _, key := range g.defOrder {
		def := g.defs[key]
		name := exportedName(key)
		doc := fmt.Sprintf("%s is %s", name, lowerFirst(def.Str("description")))
		if err := defs.writeStruct(name, doc, def); err != nil {
			fmt.Fprintf(&b, "\n// generation error: %v\n", err)
		}
	}
	b.Write(defs.structs.Bytes())
	b.Write(g.structs.Bytes())
	b.WriteString("\n// NewPayload returns a pointer to a new zero payload struct of event type typ\n")
	b.WriteString("// (a *OrderPlacedV1 for \"order.placed.v1\"), for code that decodes any event.\n")
	b.WriteString("func NewPayload(typ string) (any, bool) {\nswitch typ {\n")
	for _, ev := range events {
		name := ev.schema.Str("title")
		fmt.Fprintf(&b, "case Type%s:\nreturn new(%s), true\n", name, name)
	}
	b.WriteString("}\nreturn nil, false\n}\n")
	return b.Bytes()
}

// fieldName turns a JSON property name into a Go field name.
func fieldName(key string) string {
	var sb strings.Builder
	for _, part := range strings.Split(key, "_") {
		if up, ok := initialisms[part]; ok {
			sb.WriteString(up)
			continue
		}
		sb.WriteString(upperFirst(part))
	}
	return sb.String()
}

// exportedName turns a $defs key ("line") into a Go type name ("Line").
func exportedName(key string) string { return fieldName(key) }

func isExported(name string) bool {
	r := []rune(name)
	return len(r) > 0 && unicode.IsUpper(r[0])
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// comment renders text as // lines wrapped near 80 columns.
func comment(text string) string {
	var lines []string
	line := "//"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 80 && line != "//" {
			lines = append(lines, line)
			line = "//"
		}
		line += " " + w
	}
	return strings.Join(append(lines, line), "\n")
}

// canonical is a stable rendering of a schema for equality checks.
func canonical(o *jsonorder.Object) string {
	raw, _ := json.Marshal(plain(o))
	return string(raw)
}

func plain(v any) any {
	switch t := v.(type) {
	case *jsonorder.Object:
		m := make(map[string]any, len(t.Keys()))
		for _, k := range t.Keys() {
			m[k] = plain(t.Get(k))
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
