package openapi

import (
	"fmt"

	"github.com/eventshop/eventshop/pkg/page"
)

// paged are the lists that page with ?limit and ?cursor (package page).
var paged = map[string]bool{
	"GET /api/v1/products":        true,
	"GET /api/v1/orders":          true,
	"GET /api/v1/notifications":   true,
	"GET /api/v1/admin/inventory": true,
	"GET /api/v1/admin/payments":  true,
	"GET /api/v1/admin/dlq":       true,
}

func pageParameters() []object {
	return []object{
		{
			"name": "limit", "in": "query", "required": false,
			"description": fmt.Sprintf("How many items a page holds, at most %d.", page.MaxLimit),
			"schema":      object{"type": "integer", "minimum": 1, "maximum": page.MaxLimit, "default": page.DefaultLimit},
		},
		{
			"name": "cursor", "in": "query", "required": false,
			"description": "The next_cursor of the previous page; absent for the first page. Opaque: a cursor that a list did not return is a 400.",
			"schema":      object{"type": "string"},
		},
	}
}

// pageSchema is the body of every page: the items and, when another page
// follows, the cursor that reads it.
func pageSchema() object {
	return object{
		"type": "object", "required": []string{"items"},
		"properties": object{
			"items": object{"type": "array", "items": object{"type": "object"}},
			"next_cursor": object{
				"type":        "string",
				"description": "Pass as ?cursor= to read the next page; absent on the last page.",
			},
		},
	}
}
