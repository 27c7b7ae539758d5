package compat

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
)

// lowerBounds may only stay or fall between versions; raising one rejects
// payloads the previous version accepted.
var lowerBounds = []string{"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"}

// upperBounds may only stay or rise between versions.
var upperBounds = []string{"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"}

// exactKeywords may not be added or changed, only removed.
var exactKeywords = []string{"pattern", "format", "multipleOf", "const"}

// combinatorKeywords are compared as a whole: the gate cannot prove a change
// in them compatible, so any change is breaking.
var combinatorKeywords = []string{"allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas"}

func (c *comparison) types(path string, prev, next map[string]any) {
	a, b := typeSet(prev), typeSet(next)
	switch {
	case slices.Equal(a, b) || len(b) == 0 && len(a) == 0:
	case len(a) == 0:
		c.add(path, "type-added", true, "type %v where any type was allowed", b)
	case len(b) == 0 || subset(a, b):
		c.add(path, "type-widened", false, "type %v -> %v", a, b)
	default:
		c.add(path, "type-changed", true, "type %v -> %v", a, b)
	}
}

// typeSet is the sorted list of JSON types a schema allows; "integer" is
// folded into "number" only when both appear.
func typeSet(s map[string]any) []string {
	var out []string
	switch t := s["type"].(type) {
	case string:
		out = []string{t}
	case []any:
		for _, v := range t {
			if str, ok := v.(string); ok {
				out = append(out, str)
			}
		}
	}
	sort.Strings(out)
	return out
}

func subset(small, big []string) bool {
	for _, s := range small {
		if !slices.Contains(big, s) && (s != "integer" || !slices.Contains(big, "number")) {
			return false
		}
	}
	return true
}

func (c *comparison) enums(path string, prev, next map[string]any) {
	a, aok := prev["enum"].([]any)
	b, bok := next["enum"].([]any)
	switch {
	case !aok && !bok:
	case !aok:
		c.add(path, "enum-added", true, "values limited to %s", render(b))
	case !bok:
		c.add(path, "enum-removed", false, "any value allowed where %s were", render(a))
	default:
		if gone := missing(a, b); len(gone) > 0 {
			c.add(path, "enum-narrowed", true, "values %s removed", render(gone))
		}
		if added := missing(b, a); len(added) > 0 {
			c.add(path, "enum-widened", false, "values %s added; older consumers must tolerate them", render(added))
		}
	}
}

// missing returns the values of from that are not in in.
func missing(from, in []any) []any {
	var out []any
	for _, v := range from {
		if !slices.ContainsFunc(in, func(w any) bool { return reflect.DeepEqual(v, w) }) {
			out = append(out, v)
		}
	}
	return out
}

func render(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(raw)
}

func (c *comparison) constraints(path string, prev, next map[string]any) {
	for _, kw := range lowerBounds {
		c.bound(path, kw, prev, next, func(a, b float64) bool { return b > a })
	}
	for _, kw := range upperBounds {
		c.bound(path, kw, prev, next, func(a, b float64) bool { return b < a })
	}
	for _, kw := range exactKeywords {
		a, aok := prev[kw]
		b, bok := next[kw]
		switch {
		case bok && !aok:
			c.add(path, kw+"-added", true, "%s %s added", kw, render(b))
		case aok && bok && !reflect.DeepEqual(a, b):
			c.add(path, kw+"-changed", true, "%s %s -> %s", kw, render(a), render(b))
		case aok && !bok:
			c.add(path, kw+"-removed", false, "%s %s removed", kw, render(a))
		}
	}
	if prev["uniqueItems"] != true && next["uniqueItems"] == true {
		c.add(path, "uniqueItems-added", true, "items must now be unique")
	}
}

// bound compares a numeric keyword; stricter(a, b) says b is stricter than a.
func (c *comparison) bound(path, kw string, prev, next map[string]any, stricter func(a, b float64) bool) {
	a, aok := number(prev[kw])
	b, bok := number(next[kw])
	switch {
	case !aok && !bok:
	case !aok:
		c.add(path, kw+"-added", true, "%s %v added", kw, b)
	case !bok:
		c.add(path, kw+"-removed", false, "%s %v removed", kw, a)
	case stricter(a, b):
		c.add(path, kw+"-stricter", true, "%s %v -> %v", kw, a, b)
	case a != b:
		c.add(path, kw+"-looser", false, "%s %v -> %v", kw, a, b)
	}
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func (c *comparison) combinators(path string, prev, next map[string]any) {
	for _, kw := range combinatorKeywords {
		if !reflect.DeepEqual(prev[kw], next[kw]) {
			c.add(path, kw+"-changed", true, "%s changed; the gate cannot prove it compatible", kw)
		}
	}
}
