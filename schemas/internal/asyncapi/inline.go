package asyncapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/eventshop/eventshop/schemas/internal/jsonorder"
)

// defsPrefix is how a registry schema points into its own $defs.
const defsPrefix = "#/$defs/"

// selfContained returns schema with every "#/$defs/…" reference replaced by
// the definition it names, and $defs removed. A payload schema sits deep
// inside the AsyncAPI document, where AsyncAPI tools resolve "#/…" against
// the document's root, not the schema's, so a copied local reference would
// point nowhere; inlined, the schema means the same and needs no
// resolution at all.
func selfContained(raw []byte) (json.RawMessage, error) {
	s, err := jsonorder.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	defs := s.Obj("$defs")
	s.Delete("$defs")
	out, err := inline(s, defs, nil)
	if err != nil {
		return nil, err
	}
	enc, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return enc, nil
}

// inline walks v and replaces each local reference with a copy of its
// definition; seen holds the definitions being expanded, so that a
// recursive definition is an error instead of an endless expansion.
func inline(v any, defs *jsonorder.Object, seen []string) (any, error) {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			var err error
			if out[i], err = inline(e, defs, seen); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *jsonorder.Object:
		return inlineObject(t, defs, seen)
	}
	return v, nil
}

func inlineObject(o *jsonorder.Object, defs *jsonorder.Object, seen []string) (*jsonorder.Object, error) {
	out := &jsonorder.Object{}
	ref := o.Str("$ref")
	local := strings.HasPrefix(ref, "#")
	if local {
		name, ok := strings.CutPrefix(ref, defsPrefix)
		def := defs.Obj(name)
		if !ok || def == nil {
			return nil, fmt.Errorf("unresolvable $ref %s", ref)
		}
		for _, s := range seen {
			if s == name {
				return nil, fmt.Errorf("recursive $ref %s cannot be inlined", ref)
			}
		}
		expanded, err := inlineObject(def, defs, append(seen, name))
		if err != nil {
			return nil, err
		}
		out = expanded
	}
	for _, k := range o.Keys() {
		if k == "$ref" && local {
			continue
		}
		v, err := inline(o.Get(k), defs, seen)
		if err != nil {
			return nil, err
		}
		out.Set(k, v)
	}
	return out, nil
}
