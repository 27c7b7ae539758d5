// Package routes is the gateway's single route table: every public path with
// who may call it, which upstream serves it, its rate class, timeout and
// whether its responses may be cached. The router, the OpenAPI document and
// the docs are all derived from Table, so they cannot drift apart.
package routes

import (
	"net/http"
	"strings"
	"time"
)

// Access says who may call a route.
type Access int

// The access levels; Anonymous routes still verify a token when one is sent.
const (
	Anonymous Access = iota // anyone
	Customer                // a token with role customer
	Admin                   // a token with role admin
	Any                     // a token with either role
)

// String names the access level as the docs do.
func (a Access) String() string {
	return [...]string{"anonymous", "customer", "admin", "customer or admin"}[a]
}

// Class is a rate-limit budget shared by a group of routes.
type Class string

// The rate classes; each has its own RPS and burst in the configuration.
const (
	ClassAuth  Class = "auth"
	ClassRead  Class = "read"
	ClassWrite Class = "write"
	ClassAdmin Class = "admin"
)

// Upstream names; Gateway marks routes the gateway serves itself.
const (
	Gateway      = ""
	Order        = "order"
	Inventory    = "inventory"
	Payment      = "payment"
	Notification = "notification"
)

// Upstreams lists every upstream service name.
var Upstreams = []string{Order, Inventory, Payment, Notification}

// Route is one public endpoint. Path uses echo syntax (":id").
type Route struct {
	Method    string
	Path      string
	Upstream  string
	Access    Access
	Class     Class
	Timeout   time.Duration
	Cacheable bool
	Summary   string
	// Upgrade lets a client switch protocols (WebSocket) through the
	// route; on every other route an Upgrade header is dropped and an
	// upstream's 101 answer is a 502.
	Upgrade bool
}

// Proxied reports whether an upstream serves the route.
func (r Route) Proxied() bool { return r.Upstream != Gateway }

// OpenAPIPath is Path with "{param}" instead of ":param".
func (r Route) OpenAPIPath() string {
	segs := strings.Split(r.Path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

const (
	fast = 5 * time.Second
	slow = 10 * time.Second
)

// Table is every /api/v1 route of the public contract.
var Table = []Route{
	{http.MethodPost, "/api/v1/auth/token", Gateway, Anonymous, ClassAuth, fast, false, "Issue a development token (only with GATEWAY_DEV_ISSUER=true)", false},
	{http.MethodGet, "/api/v1/products", Inventory, Anonymous, ClassRead, fast, true, "List the catalogue", false},
	{http.MethodGet, "/api/v1/products/:sku", Inventory, Anonymous, ClassRead, fast, true, "Get one product", false},
	{http.MethodPost, "/api/v1/orders", Order, Customer, ClassWrite, slow, false, "Place an order (Idempotency-Key supported)", false},
	{http.MethodGet, "/api/v1/orders", Order, Customer, ClassRead, fast, false, "List the caller's orders", false},
	{http.MethodGet, "/api/v1/orders/:id", Order, Any, ClassRead, fast, false, "Get an order (owner or admin)", false},
	{http.MethodPost, "/api/v1/orders/:id/cancel", Order, Customer, ClassWrite, fast, false, "Cancel a pending order (owner)", false},
	{http.MethodGet, "/api/v1/orders/:id/timeline", Order, Any, ClassRead, slow, false, "Every saga event of an order", false},
	{http.MethodGet, "/api/v1/orders/:id/trace", Order, Any, ClassRead, slow, false, "The spans of an order's traces, read from the trace store (owner or admin; 404 when none is configured or it holds no trace of the order)", false},
	{http.MethodGet, "/api/v1/orders/:id/events", Order, Any, ClassRead, fast, false, "Live status and saga events of an order (Server-Sent Events; owner or admin)", false},
	{http.MethodGet, "/api/v1/notifications", Notification, Customer, ClassRead, fast, false, "The caller's notifications", false},
	{http.MethodGet, "/api/v1/admin/inventory", Inventory, Admin, ClassAdmin, fast, false, "Stock levels of every product", false},
	{http.MethodPost, "/api/v1/admin/products/:sku/restock", Inventory, Admin, ClassAdmin, fast, false, "Add stock to a product", false},
	{http.MethodGet, "/api/v1/admin/payments", Payment, Admin, ClassAdmin, fast, false, "Every payment", false},
	{http.MethodGet, "/api/v1/admin/dlq", Gateway, Admin, ClassAdmin, fast, false, "List dead letters (?service=&type=)", false},
	{http.MethodGet, "/api/v1/admin/dlq/:id", Gateway, Admin, ClassAdmin, fast, false, "Get one dead letter", false},
	{http.MethodPost, "/api/v1/admin/dlq/:id/replay", Gateway, Admin, ClassAdmin, fast, false, "Republish a dead letter to its original subject", false},
	{http.MethodDelete, "/api/v1/admin/dlq/:id", Gateway, Admin, ClassAdmin, fast, false, "Discard a dead letter", false},
	{http.MethodGet, "/api/v1/admin/breakers", Gateway, Admin, ClassAdmin, fast, false, "Every circuit breaker's name and state", false},
	{http.MethodGet, "/api/v1/admin/pipeline", Gateway, Admin, ClassAdmin, fast, false, "Every service's outbox backlog and consumer lag, read from its metrics", false},
	{http.MethodGet, "/api/v1/admin/events", Order, Admin, ClassAdmin, fast, false, "Every event on the bus, live (Server-Sent Events; ?type=&service=)", false},
	{http.MethodGet, "/api/v1/schemas", Gateway, Anonymous, ClassRead, fast, false, "List the event schemas", false},
	{http.MethodGet, "/api/v1/schemas/:type/:version", Gateway, Anonymous, ClassRead, fast, false, "Get one event schema", false},
	{http.MethodGet, "/api/v1/asyncapi.json", Gateway, Anonymous, ClassRead, fast, false, "The AsyncAPI 3 document of the events", false},
	{http.MethodGet, "/api/v1/openapi.json", Gateway, Anonymous, ClassRead, fast, false, "This document", false},
}
