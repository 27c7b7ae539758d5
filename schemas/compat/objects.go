package compat

import (
	"slices"
	"sort"
	"strings"
)

// object compares the properties, required fields and additionalProperties.
func (c *comparison) object(path string, prev, next map[string]any, depth int) {
	pp, _ := prev["properties"].(map[string]any)
	np, _ := next["properties"].(map[string]any)
	for _, name := range sortedKeys(pp) {
		field := path + "/" + escape(name)
		nextProp, ok := np[name]
		if !ok {
			c.add(field, "property-removed", true, "property removed; consumers of the older version read it")
			continue
		}
		a, _ := pp[name].(map[string]any)
		b, _ := nextProp.(map[string]any)
		c.node(field, a, b, depth+1)
	}
	c.required(path, prev, next, np)
	if !closed(prev) && closed(next) {
		c.add(path, "additionalProperties-closed", true, "unknown fields are now rejected; producers of newer versions add fields")
	}
}

func (c *comparison) required(path string, prev, next, nextProps map[string]any) {
	a, b := stringList(prev["required"]), stringList(next["required"])
	for _, name := range a {
		if !slices.Contains(b, name) {
			c.add(path+"/"+escape(name), "required-removed", true, "no longer required; consumers of the older version rely on it")
		}
	}
	for _, name := range b {
		if slices.Contains(a, name) {
			continue
		}
		if prop, _ := nextProps[name].(map[string]any); prop != nil {
			if _, ok := prop["default"]; ok {
				continue
			}
		}
		c.add(path+"/"+escape(name), "required-added", true, "newly required without a default; payloads of the older version lack it")
	}
}

// closed reports whether a schema rejects properties it does not list.
func closed(s map[string]any) bool {
	v, ok := s["additionalProperties"]
	if !ok {
		v, ok = s["unevaluatedProperties"]
	}
	return ok && v == false
}

// array compares the schemas of array elements.
func (c *comparison) array(path string, prev, next map[string]any, depth int) {
	a, aok := prev["items"].(map[string]any)
	b, bok := next["items"].(map[string]any)
	switch {
	case aok && bok:
		c.node(path+"/*", a, b, depth+1)
	case bok:
		c.add(path+"/*", "items-added", true, "array elements now constrained")
	}
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		if str, ok := s.(string); ok {
			out = append(out, str)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// escape makes a property name a JSON pointer token.
func escape(name string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
}
