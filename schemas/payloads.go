package schemas

// NewPayload returns a pointer to a new zero payload struct of event type typ
// (a *OrderPlacedV1 for "order.placed.v1"), for code that decodes any event.
func NewPayload(typ string) (any, bool) {
	switch typ {
	case TypeOrderPlacedV1:
		return new(OrderPlacedV1), true
	case TypeOrderPlacedV2:
		return new(OrderPlacedV2), true
	case TypeOrderConfirmedV1:
		return new(OrderConfirmedV1), true
	case TypeOrderRejectedV1:
		return new(OrderRejectedV1), true
	case TypeOrderCancelledV1:
		return new(OrderCancelledV1), true
	case TypeInventoryReservedV1:
		return new(InventoryReservedV1), true
	case TypeInventoryRejectedV1:
		return new(InventoryRejectedV1), true
	case TypeInventoryReleasedV1:
		return new(InventoryReleasedV1), true
	case TypeInventoryCommittedV1:
		return new(InventoryCommittedV1), true
	case TypeInventoryStockChangedV1:
		return new(InventoryStockChangedV1), true
	case TypePaymentAuthorisedV1:
		return new(PaymentAuthorisedV1), true
	case TypePaymentFailedV1:
		return new(PaymentFailedV1), true
	case TypePaymentCapturedV1:
		return new(PaymentCapturedV1), true
	case TypePaymentVoidedV1:
		return new(PaymentVoidedV1), true
	case TypeNotificationSentV1:
		return new(NotificationSentV1), true
	}
	return nil, false
}
