package schemas

// Event types, as they appear in the ce-type header and as the first three
// tokens of a NATS subject ("<domain>.<event>.v<N>.<aggregate id>").
const (
	TypeOrderPlacedV1           = "order.placed.v1"
	TypeOrderPlacedV2           = "order.placed.v2"
	TypeOrderConfirmedV1        = "order.confirmed.v1"
	TypeOrderRejectedV1         = "order.rejected.v1"
	TypeOrderCancelledV1        = "order.cancelled.v1"
	TypeInventoryReservedV1     = "inventory.reserved.v1"
	TypeInventoryRejectedV1     = "inventory.rejected.v1"
	TypeInventoryReleasedV1     = "inventory.released.v1"
	TypeInventoryCommittedV1    = "inventory.committed.v1"
	TypeInventoryStockChangedV1 = "inventory.stock_changed.v1"
	TypePaymentAuthorisedV1     = "payment.authorised.v1"
	TypePaymentFailedV1         = "payment.failed.v1"
	TypePaymentCapturedV1       = "payment.captured.v1"
	TypePaymentVoidedV1         = "payment.voided.v1"
	TypeNotificationSentV1      = "notification.sent.v1"
)

// Line is one line of an order: a product and how many of it. PriceCents is
// the unit price the order was placed at; events that only move stock leave it zero.
type Line struct {
	SKU        string `json:"sku"`
	Quantity   int    `json:"quantity"`
	PriceCents int64  `json:"price_cents,omitempty"`
}

// OrderPlacedV1 starts the saga: an order was stored as PENDING.
type OrderPlacedV1 struct {
	OrderID       string `json:"order_id"`
	CustomerID    string `json:"customer_id"`
	Items         []Line `json:"items"`
	TotalCents    int64  `json:"total_cents"`
	Currency      string `json:"currency"`
	PaymentMethod string `json:"payment_method"`
}

// OrderPlacedV2 is OrderPlacedV1 with the optional channel the order came
// through ("web", "api", ...). Consumers accept both versions.
type OrderPlacedV2 struct {
	OrderID       string `json:"order_id"`
	CustomerID    string `json:"customer_id"`
	Items         []Line `json:"items"`
	TotalCents    int64  `json:"total_cents"`
	Currency      string `json:"currency"`
	PaymentMethod string `json:"payment_method"`
	Channel       string `json:"channel,omitempty"`
}

// OrderConfirmedV1 ends a saga successfully: stock is to be sold and the
// payment captured.
type OrderConfirmedV1 struct {
	OrderID    string `json:"order_id"`
	CustomerID string `json:"customer_id"`
	Items      []Line `json:"items"`
	TotalCents int64  `json:"total_cents"`
	Currency   string `json:"currency"`
}

// OrderRejectedV1 ends a saga for lack of stock; nothing was reserved or charged.
type OrderRejectedV1 struct {
	OrderID    string `json:"order_id"`
	CustomerID string `json:"customer_id"`
	Reason     string `json:"reason"`
}

// OrderCancelledV1 ends a saga by cancellation; any reservation is to be
// released and any authorisation voided. Reason is one of "payment_failed",
// "timeout" or "customer".
type OrderCancelledV1 struct {
	OrderID    string `json:"order_id"`
	CustomerID string `json:"customer_id"`
	Reason     string `json:"reason"`
}

// InventoryReservedV1 says every line of an order is reserved. It carries
// what payment needs so that payment does not depend on seeing order.placed.
type InventoryReservedV1 struct {
	OrderID       string `json:"order_id"`
	CustomerID    string `json:"customer_id"`
	Items         []Line `json:"items"`
	TotalCents    int64  `json:"total_cents"`
	Currency      string `json:"currency"`
	PaymentMethod string `json:"payment_method"`
}

// InventoryRejectedV1 says an order could not be reserved; nothing was held.
type InventoryRejectedV1 struct {
	OrderID    string   `json:"order_id"`
	CustomerID string   `json:"customer_id"`
	Reason     string   `json:"reason"`
	SKUs       []string `json:"skus,omitempty"`
}

// InventoryReleasedV1 says an order's reservation was given back to stock.
type InventoryReleasedV1 struct {
	OrderID string `json:"order_id"`
	Items   []Line `json:"items"`
}

// InventoryCommittedV1 says an order's reservation became a sale.
type InventoryCommittedV1 struct {
	OrderID string `json:"order_id"`
	Items   []Line `json:"items"`
}

// InventoryStockChangedV1 says a product's available quantity changed; the
// gateway drops its cached catalogue on it.
type InventoryStockChangedV1 struct {
	SKU       string `json:"sku"`
	Available int64  `json:"available"`
}

// PaymentAuthorisedV1 says the provider authorised an order's amount.
type PaymentAuthorisedV1 struct {
	OrderID     string `json:"order_id"`
	PaymentID   string `json:"payment_id"`
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
}

// PaymentFailedV1 says an order's payment could not be authorised.
type PaymentFailedV1 struct {
	OrderID string `json:"order_id"`
	Reason  string `json:"reason"`
}

// PaymentCapturedV1 says an authorised amount was captured.
type PaymentCapturedV1 struct {
	OrderID     string `json:"order_id"`
	PaymentID   string `json:"payment_id"`
	AmountCents int64  `json:"amount_cents"`
}

// PaymentVoidedV1 says an authorisation was voided; nothing will be captured.
type PaymentVoidedV1 struct {
	OrderID   string `json:"order_id"`
	PaymentID string `json:"payment_id"`
}

// NotificationSentV1 says the customer was told of an order's final state.
type NotificationSentV1 struct {
	NotificationID string `json:"notification_id"`
	OrderID        string `json:"order_id"`
	CustomerID     string `json:"customer_id"`
	Kind           string `json:"kind"`
	Channel        string `json:"channel"`
}
