package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Info describes one event type and version for the gateway, the AsyncAPI
// generator and the docs.
type Info struct {
	// Type is the ce-type and the subject prefix, e.g. "order.placed.v2".
	Type string `json:"type"`
	// Name is the type without its version, e.g. "order.placed".
	Name string `json:"name"`
	// Version is N of the "vN" suffix.
	Version int `json:"version"`
	// Major is the compatibility line the version belongs to: consecutive
	// versions of one major line must pass the compatibility gate.
	Major int `json:"major"`
	// Subject is the NATS subject filter of every event of this type,
	// "<type>.*", the last token being the aggregate id.
	Subject string `json:"subject"`
	// Aggregate says what the last subject token and ce-subject hold
	// ("order id", "sku").
	Aggregate string `json:"aggregate"`
	// Producer is the service that publishes the event.
	Producer string `json:"producer"`
	// Consumers are the services that subscribe to it, possibly none.
	Consumers []string `json:"consumers"`
	// Deprecated marks a version producers no longer publish but consumers
	// still accept.
	Deprecated bool `json:"deprecated,omitempty"`
	// Title is the Go type name of the payload, e.g. "OrderPlacedV2".
	Title string `json:"title"`
	// Tests names tests outside the registry that exercise the event
	// ("services/order/internal/ports: TestPlaceOrder"), for docs/events.md.
	Tests []string `json:"tests,omitempty"`
	// Description is the schema's description.
	Description string `json:"description"`
	// SchemaURL is the schema's $id and the event's ce-dataschema.
	SchemaURL string `json:"schema_url"`
	// File is the schema's path in this module, e.g. "order/placed.v2.json".
	File string `json:"file"`
}

// catalogRow is one entry of catalog.json.
type catalogRow struct {
	Type       string   `json:"type"`
	Producer   string   `json:"producer"`
	Consumers  []string `json:"consumers"`
	Aggregate  string   `json:"aggregate"`
	Major      int      `json:"major"`
	Deprecated bool     `json:"deprecated"`
	Tests      []string `json:"tests"`
}

// readCatalog parses the embedded catalog.json, rejecting unknown fields so a
// typo cannot silently drop a consumer.
func readCatalog() ([]catalogRow, error) {
	raw, err := files.ReadFile("catalog.json")
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var cat struct {
		Events []catalogRow `json:"events"`
	}
	if err := dec.Decode(&cat); err != nil {
		return nil, fmt.Errorf("parse catalog: %w", err)
	}
	return cat.Events, nil
}

// info builds the Info of the row from it and its parsed schema doc.
func (row catalogRow) info(doc any) (Info, error) {
	name, ver, err := SplitType(row.Type)
	if err != nil {
		return Info{}, err
	}
	obj, _ := doc.(map[string]any)
	title, _ := obj["title"].(string)
	desc, _ := obj["description"].(string)
	if title == "" || row.Producer == "" || row.Major < 1 {
		return Info{}, fmt.Errorf("catalogue type %s: title, producer and major are required", row.Type)
	}
	return Info{
		Type:        row.Type,
		Name:        name,
		Version:     ver,
		Major:       row.Major,
		Subject:     row.Type + ".*",
		Aggregate:   row.Aggregate,
		Producer:    row.Producer,
		Consumers:   append([]string{}, row.Consumers...),
		Deprecated:  row.Deprecated,
		Tests:       append([]string(nil), row.Tests...),
		Title:       title,
		Description: desc,
		SchemaURL:   SchemaURL(row.Type),
		File:        FileOfType(row.Type),
	}, nil
}

// SplitType splits "order.placed.v2" into its name "order.placed" and version 2.
func SplitType(typ string) (name string, version int, err error) {
	i := strings.LastIndex(typ, ".v")
	if i < 0 || strings.Count(typ, ".") != 2 {
		return "", 0, fmt.Errorf("event type %q: want <domain>.<event>.v<N>", typ)
	}
	v, err := strconv.Atoi(typ[i+2:])
	if err != nil || v < 1 {
		return "", 0, fmt.Errorf("event type %q: version is not a positive number", typ)
	}
	return typ[:i], v, nil
}

// SchemaURL is the path the gateway serves the schema of typ on and the
// schema's $id: "/api/v1/schemas/order.placed/v2" for "order.placed.v2".
func SchemaURL(typ string) string {
	i := strings.LastIndex(typ, ".")
	if i < 0 {
		return "/api/v1/schemas/" + typ
	}
	return "/api/v1/schemas/" + typ[:i] + "/" + typ[i+1:]
}

// AsyncAPI returns the generated AsyncAPI 3.0 document of every event
// (asyncapi.json), as the gateway serves it.
func AsyncAPI() []byte {
	raw, _ := files.ReadFile("asyncapi.json")
	return raw
}
