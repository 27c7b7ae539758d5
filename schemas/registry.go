// Package schemas is the event schema registry: one JSON Schema (draft 2020-12)
// per event type and version, embedded so every producer and consumer
// validates against the same files.
package schemas

import "fmt"

// Validate checks data against the schema of event type typ ("order.placed.v1").
// It is replaced by the compiled registry; this placeholder accepts known types only.
func Validate(typ string, data []byte) error {
	switch typ {
	case TypeOrderPlacedV1, TypeOrderPlacedV2, TypeOrderConfirmedV1, TypeOrderRejectedV1, TypeOrderCancelledV1,
		TypeInventoryReservedV1, TypeInventoryRejectedV1, TypeInventoryReleasedV1, TypeInventoryCommittedV1,
		TypeInventoryStockChangedV1, TypePaymentAuthorisedV1, TypePaymentFailedV1, TypePaymentCapturedV1,
		TypePaymentVoidedV1, TypeNotificationSentV1:
		return nil
	}
	return fmt.Errorf("unknown event type %q", typ)
}
