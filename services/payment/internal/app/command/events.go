package command

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/pkg/event"
	"github.com/eventshop/eventshop/pkg/tracing"
	"github.com/eventshop/eventshop/schemas"
	"github.com/eventshop/eventshop/services/payment/internal/domain"
)

// emit builds the event typ about orderID, in the trace of ctx, and adds it
// to the transaction's outbox.
func emit(ctx context.Context, tx Tx, typ, orderID string, payload any) error {
	ev, err := event.New(Source, typ, orderID, payload)
	if err != nil {
		return fmt.Errorf("build %s: %w", typ, err)
	}
	ev.TraceParent = tracing.TraceParent(ctx)
	if err := tx.Emit(ctx, ev); err != nil {
		return fmt.Errorf("emit %s: %w", typ, err)
	}
	return nil
}

func emitAuthorised(ctx context.Context, tx Tx, p domain.Payment) error {
	return emit(ctx, tx, schemas.TypePaymentAuthorisedV1, p.OrderID(), schemas.PaymentAuthorisedV1{
		OrderID: p.OrderID(), PaymentID: p.AuthID(), AmountCents: p.Amount(), Currency: p.Currency(),
	})
}

func emitFailed(ctx context.Context, tx Tx, orderID, reason string) error {
	return emit(ctx, tx, schemas.TypePaymentFailedV1, orderID, schemas.PaymentFailedV1{OrderID: orderID, Reason: reason})
}

func emitCaptured(ctx context.Context, tx Tx, p domain.Payment) error {
	return emit(ctx, tx, schemas.TypePaymentCapturedV1, p.OrderID(), schemas.PaymentCapturedV1{
		OrderID: p.OrderID(), PaymentID: p.AuthID(), AmountCents: p.Amount(),
	})
}

func emitVoided(ctx context.Context, tx Tx, p domain.Payment) error {
	return emit(ctx, tx, schemas.TypePaymentVoidedV1, p.OrderID(), schemas.PaymentVoidedV1{
		OrderID: p.OrderID(), PaymentID: p.AuthID(),
	})
}
