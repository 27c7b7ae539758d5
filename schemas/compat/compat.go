// Package compat is the compatibility gate of the schema registry: it
// compares two versions of an event's JSON Schema and reports every change
// that could break a producer or consumer of the other version.
//
// Versions N and N+1 of one major line must be compatible both ways: a
// consumer built for N+1 reads N payloads (no new required field, no
// stricter constraint, no narrowed enum or type) and a consumer built for N
// reads N+1 payloads, ignoring fields it does not know (no property or
// required field removed). The rules are listed in the registry's README.
package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Problem is one change between two versions of a schema.
type Problem struct {
	// Path points at the field in the payload, e.g. "/items/*/quantity"
	// ("*" stands for any array element, "" for the payload itself).
	Path string
	// Rule names the rule, e.g. "required-added".
	Rule string
	// Detail says what changed, e.g. "minimum 1 -> 2".
	Detail string
	// Breaking is true for changes the gate rejects; the others are only
	// worth a look (a widened enum, say, that older code may not handle).
	Breaking bool
}

// String is "<path>: <rule>: <detail>".
func (p Problem) String() string {
	path := p.Path
	if path == "" {
		path = "(payload)"
	}
	return path + ": " + p.Rule + ": " + p.Detail
}

// Compare reports how schema next differs from schema prev, both JSON
// Schema documents whose $ref values point inside themselves ("#/$defs/x").
func Compare(prev, next []byte) ([]Problem, error) {
	a, err := parse(prev)
	if err != nil {
		return nil, fmt.Errorf("parse old schema: %w", err)
	}
	b, err := parse(next)
	if err != nil {
		return nil, fmt.Errorf("parse new schema: %w", err)
	}
	c := &comparison{prevRoot: a, nextRoot: b}
	c.node("", a, b, 0)
	return c.problems, nil
}

// Breaking returns the problems the gate rejects.
func Breaking(ps []Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		if p.Breaking {
			out = append(out, p)
		}
	}
	return out
}

func parse(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, fmt.Errorf("schema is not an object")
	}
	return doc, nil
}

// maxDepth stops the walk on recursive schemas; event payloads are shallow.
const maxDepth = 32

// comparison accumulates problems while walking both schemas side by side.
type comparison struct {
	prevRoot, nextRoot map[string]any
	problems           []Problem
}

func (c *comparison) add(path, rule string, breaking bool, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Rule: rule, Detail: fmt.Sprintf(format, args...), Breaking: breaking})
}

// node compares two subschemas found at the same payload path.
func (c *comparison) node(path string, prev, next map[string]any, depth int) {
	if depth > maxDepth {
		c.add(path, "too-deep", true, "schema nests deeper than %d levels", maxDepth)
		return
	}
	prev, next = resolve(c.prevRoot, prev), resolve(c.nextRoot, next)
	if prev == nil || next == nil {
		if len(prev) > 0 {
			c.add(path, "schema-removed", true, "the field's schema was replaced by true")
		}
		return
	}
	c.types(path, prev, next)
	c.enums(path, prev, next)
	c.constraints(path, prev, next)
	c.combinators(path, prev, next)
	c.object(path, prev, next, depth)
	c.array(path, prev, next, depth)
}

// resolve follows local $refs ("#/$defs/line") to the schema they name.
func resolve(root, node map[string]any) map[string]any {
	for range maxDepth {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		target, ok := lookup(root, ref)
		if !ok {
			return node
		}
		node = target
	}
	return node
}

// lookup finds a JSON pointer fragment ("#/$defs/line") inside root.
func lookup(root map[string]any, ref string) (map[string]any, bool) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var cur any = root
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur = obj[tok]
	}
	obj, ok := cur.(map[string]any)
	return obj, ok
}
