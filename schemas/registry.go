package schemas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ErrUnknownType is wrapped by the errors of Validate for an event type the
// registry has no schema for.
var ErrUnknownType = errors.New("unknown event type")

// files holds every schema (one directory per domain) and the catalogue.
//
//go:embed order/*.json inventory/*.json payment/*.json notification/*.json catalog.json asyncapi.json
var files embed.FS

// entry is one event type: its catalogue row, raw schema and compiled schema.
type entry struct {
	info   Info
	raw    []byte
	schema *jsonschema.Schema
}

// registry is every entry by type, in catalogue order in infos.
type registry struct {
	byType map[string]*entry
	infos  []Info
}

// loaded compiles the embedded schemas once, on first use, so that Validate
// costs a map lookup, a decode and a validation per call.
var loaded = sync.OnceValues(load)

func load() (*registry, error) {
	cat, err := readCatalog()
	if err != nil {
		return nil, err
	}
	raws, err := readSchemas()
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	r := &registry{byType: make(map[string]*entry, len(cat))}
	for _, row := range cat {
		raw, ok := raws[row.Type]
		if !ok {
			return nil, fmt.Errorf("catalogue type %s: no schema file", row.Type)
		}
		delete(raws, row.Type)
		e, err := compile(c, row, raw)
		if err != nil {
			return nil, err
		}
		r.byType[row.Type] = e
		r.infos = append(r.infos, e.info)
	}
	for typ := range raws {
		return nil, fmt.Errorf("schema %s: not in catalog.json", typ)
	}
	return r, nil
}

// compile adds one schema under its $id and compiles it.
func compile(c *jsonschema.Compiler, row catalogRow, raw []byte) (*entry, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse schema %s: %w", row.Type, err)
	}
	info, err := row.info(doc)
	if err != nil {
		return nil, err
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	if id != info.SchemaURL {
		return nil, fmt.Errorf("schema %s: $id %q, want %q", row.Type, id, info.SchemaURL)
	}
	if err := c.AddResource(id, doc); err != nil {
		return nil, fmt.Errorf("add schema %s: %w", row.Type, err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", row.Type, err)
	}
	return &entry{info: info, raw: raw, schema: sch}, nil
}

// readSchemas returns every embedded schema file by event type: the file
// order/placed.v1.json holds order.placed.v1.
func readSchemas() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Dir(p) == "." {
			return err
		}
		raw, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		out[TypeOfFile(p)] = raw
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read schemas: %w", err)
	}
	return out, nil
}

// TypeOfFile maps a schema path relative to the module root
// ("order/placed.v1.json") to its event type ("order.placed.v1").
func TypeOfFile(p string) string {
	return path.Dir(p) + "." + strings.TrimSuffix(path.Base(p), ".json")
}

// FileOfType maps an event type ("order.placed.v1") to the path of its schema
// relative to the module root ("order/placed.v1.json").
func FileOfType(typ string) string {
	domain, rest, _ := strings.Cut(typ, ".")
	return domain + "/" + rest + ".json"
}

// Validate checks the JSON payload data against the schema of event type typ
// ("order.placed.v1"). An unknown type is an error wrapping ErrUnknownType; a
// payload that breaks the schema is a *ValidationError naming each failing
// field by its JSON pointer.
func Validate(typ string, data []byte) error {
	r, err := loaded()
	if err != nil {
		return err
	}
	e, ok := r.byType[typ]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decode payload: %w", err)
	}
	if err := e.schema.Validate(v); err != nil {
		return newValidationError(err)
	}
	return nil
}

// Get returns the raw JSON Schema of event type typ, as the gateway serves it.
func Get(typ string) ([]byte, bool) {
	r, err := loaded()
	if err != nil {
		return nil, false
	}
	e, ok := r.byType[typ]
	if !ok {
		return nil, false
	}
	return bytes.Clone(e.raw), true
}

// List describes every event type in catalogue order: domains in saga order,
// versions ascending.
func List() []Info {
	r, err := loaded()
	if err != nil {
		return nil
	}
	out := make([]Info, len(r.infos))
	for i, info := range r.infos {
		info.Consumers = append([]string{}, info.Consumers...)
		info.Tests = append([]string(nil), info.Tests...)
		out[i] = info
	}
	return out
}

// Err reports whether the embedded registry failed to load; List and Get
// return nothing then, and Validate returns this error.
func Err() error {
	_, err := loaded()
	return err
}
