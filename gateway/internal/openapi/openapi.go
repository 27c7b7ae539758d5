// Package openapi builds the gateway's OpenAPI 3.1 document from the route
// table, so that the document lists exactly the routes the gateway serves.
package openapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/eventshop/eventshop/gateway/internal/routes"
)

type object = map[string]any

// Document returns the OpenAPI 3.1 document of table as JSON.
func Document(table []routes.Route) ([]byte, error) {
	paths := object{}
	for _, r := range table {
		p, ok := paths[r.OpenAPIPath()].(object)
		if !ok {
			p = object{}
			paths[r.OpenAPIPath()] = p
		}
		p[strings.ToLower(r.Method)] = operation(r)
	}
	doc := object{
		"openapi": "3.1.0",
		"info": object{
			"title":       "eventshop API",
			"version":     "1.0.0",
			"description": "The public API of the eventshop platform, served by its gateway. Errors are application/problem+json (RFC 9457).",
			"license":     object{"name": "MIT", "identifier": "MIT"},
		},
		"servers": []object{{"url": "/"}},
		"paths":   paths,
		"components": object{
			"securitySchemes": object{"bearer": object{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
			"schemas": object{"Problem": object{
				"type": "object",
				"properties": object{
					"type": object{"type": "string"}, "title": object{"type": "string"},
					"status": object{"type": "integer"}, "detail": object{"type": "string"},
					"instance": object{"type": "string"}, "request_id": object{"type": "string"},
				},
			}},
		},
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal openapi: %w", err)
	}
	return out, nil
}

func operation(r routes.Route) object {
	op := object{
		"summary":     r.Summary,
		"operationId": operationID(r),
		"tags":        []string{tag(r)},
		"description": fmt.Sprintf("Access: %s. Rate class: %s.", r.Access, r.Class),
		"responses":   responses(r),
	}
	params := parameters(r.Path)
	if paged[r.Method+" "+r.Path] {
		params = append(params, pageParameters()...)
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	op["security"] = security(r.Access)

	if body, ok := requestBodies[r.Method+" "+r.Path]; ok {
		op["requestBody"] = object{"required": true, "content": object{"application/json": object{"schema": body}}}
	}
	return op
}

// security says how an operation authenticates: a bearer token, or for an
// anonymous route none or one (the gateway still verifies a token sent
// there), which the empty requirement object expresses.
func security(a routes.Access) []object {
	bearer := object{"bearer": []string{}}
	if a == routes.Anonymous {
		return []object{{}, bearer}
	}
	return []object{bearer}
}

func str() object            { return object{"type": "string"} }
func integer(min int) object { return object{"type": "integer", "minimum": min} }

// requestBodies are the JSON bodies of the routes that take one.
var requestBodies = map[string]object{
	"POST /api/v1/auth/token": {
		"type": "object", "required": []string{"username"},
		"properties": object{"username": object{"type": "string", "enum": []string{"alice", "bob", "admin"}}},
	},
	"POST /api/v1/orders": {
		"type": "object", "required": []string{"items", "payment_method"},
		"properties": object{
			"items": object{"type": "array", "minItems": 1, "items": object{
				"type": "object", "required": []string{"sku", "quantity"},
				"properties": object{"sku": str(), "quantity": integer(1)},
			}},
			"payment_method": object{"type": "string", "examples": []string{"tok_visa", "tok_decline", "tok_timeout"}},
		},
	},
	"POST /api/v1/admin/products/:sku/restock": {
		"type": "object", "required": []string{"quantity"},
		"properties": object{"quantity": integer(1)},
	},
}

// streamed are the routes that answer with Server-Sent Events.
var streamed = map[string]bool{
	"GET /api/v1/orders/:id/events": true,
	"GET /api/v1/admin/events":      true,
}

func responses(r routes.Route) object {
	problem := object{"content": object{"application/problem+json": object{"schema": object{"$ref": "#/components/schemas/Problem"}}}}
	body := object{"type": "object"}
	if paged[r.Method+" "+r.Path] {
		body = pageSchema()
	}
	success := object{"description": "Success", "content": object{"application/json": object{"schema": body}}}
	if streamed[r.Method+" "+r.Path] {
		success = object{"description": "Server-Sent Events, one per status change or event, until the client leaves",
			"content": object{"text/event-stream": object{"schema": object{"type": "string"}}}}
	}
	res := object{
		"2XX": success,
		"400": withDesc(problem, "Bad request"),
		"429": withDesc(problem, "Rate limited; see Retry-After and RateLimit-* headers"),
	}
	if r.Access != routes.Anonymous {
		res["401"] = withDesc(problem, "Missing or invalid token")
		res["403"] = withDesc(problem, "Role not allowed")
	}
	if r.Proxied() {
		res["503"] = withDesc(problem, "Upstream unavailable (circuit breaker open)")
	}
	if r.Cacheable {
		res["304"] = object{"description": "Not modified (If-None-Match)"}
	}
	return res
}

func withDesc(o object, desc string) object {
	c := object{"description": desc}
	for k, v := range o {
		c[k] = v
	}
	return c
}

func parameters(path string) []object {
	var out []object
	for _, seg := range strings.Split(path, "/") {
		if name, ok := strings.CutPrefix(seg, ":"); ok {
			out = append(out, object{"name": name, "in": "path", "required": true, "schema": object{"type": "string"}})
		}
	}
	return out
}

func tag(r routes.Route) string {
	if r.Upstream == routes.Gateway {
		return "gateway"
	}
	return r.Upstream
}

func operationID(r routes.Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, seg := range strings.Split(strings.TrimPrefix(r.Path, "/api/v1/"), "/") {
		seg = strings.TrimPrefix(seg, ":")
		seg = strings.NewReplacer(".", "_", "-", "_").Replace(seg)
		if seg != "" {
			b.WriteString("_" + seg)
		}
	}
	return b.String()
}
