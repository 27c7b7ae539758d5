package schemas_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/schemas"
)

// allTypes is every event type constant; the catalogue must list exactly these.
var allTypes = []string{
	schemas.TypeOrderPlacedV1, schemas.TypeOrderPlacedV2, schemas.TypeOrderConfirmedV1,
	schemas.TypeOrderRejectedV1, schemas.TypeOrderCancelledV1, schemas.TypeInventoryReservedV1,
	schemas.TypeInventoryRejectedV1, schemas.TypeInventoryReleasedV1, schemas.TypeInventoryCommittedV1,
	schemas.TypeInventoryStockChangedV1, schemas.TypePaymentAuthorisedV1, schemas.TypePaymentFailedV1,
	schemas.TypePaymentCapturedV1, schemas.TypePaymentVoidedV1, schemas.TypeNotificationSentV1,
}

func TestListMatchesTypeConstants(t *testing.T) {
	t.Parallel()
	if err := schemas.Err(); err != nil {
		t.Fatalf("registry: %v", err)
	}
	var got []string
	for _, info := range schemas.List() {
		got = append(got, info.Type)
	}
	if diff := cmp.Diff(allTypes, got); diff != "" {
		t.Errorf("List() types (-want +got):\n%s", diff)
	}
}

func TestListInfo(t *testing.T) {
	t.Parallel()
	want := schemas.Info{
		Type: "order.placed.v2", Name: "order.placed", Version: 2, Major: 1,
		Subject: "order.placed.v2.*", Aggregate: "order id", Producer: "order",
		Consumers: []string{"inventory"}, Title: "OrderPlacedV2",
		SchemaURL: "/api/v1/schemas/order.placed/v2", File: "order/placed.v2.json",
	}
	for _, info := range schemas.List() {
		if info.Type != want.Type {
			continue
		}
		info.Description = ""
		if diff := cmp.Diff(want, info); diff != "" {
			t.Errorf("Info (-want +got):\n%s", diff)
		}
		return
	}
	t.Fatalf("List() has no %s", want.Type)
}

func TestGet(t *testing.T) {
	t.Parallel()
	for _, typ := range allTypes {
		raw, ok := schemas.Get(typ)
		if !ok {
			t.Fatalf("Get(%s) not found", typ)
		}
		var doc struct {
			ID     string `json:"$id"`
			Schema string `json:"$schema"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("Get(%s): %v", typ, err)
		}
		want := "https://json-schema.org/draft/2020-12/schema"
		if doc.ID != schemas.SchemaURL(typ) || doc.Schema != want {
			t.Errorf("Get(%s): $id %q $schema %q, want %q %q", typ, doc.ID, doc.Schema, schemas.SchemaURL(typ), want)
		}
	}
	if _, ok := schemas.Get("order.placed.v9"); ok {
		t.Error("Get(order.placed.v9) found a schema")
	}
}

func TestValidateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, typ, data string
		want            string
		unknown         bool
	}{
		{"unknown type", "order.shipped.v1", `{}`, `unknown event type "order.shipped.v1"`, true},
		{"malformed json", schemas.TypePaymentFailedV1, `{"order_id":`, "decode payload: unexpected EOF", false},
		{"trailing data", schemas.TypePaymentFailedV1, `{} {}`, "decode payload: invalid character after top-level value", false},
		{"not an object", schemas.TypePaymentFailedV1, `[]`, "(payload): got array, want object", false},
		{"two fields missing", schemas.TypePaymentFailedV1, `{}`, "/order_id: required field missing; /reason: required field missing", false},
		{"capped at three", schemas.TypePaymentAuthorisedV1, `{"order_id":1}`,
			"/amount_cents: required field missing; /currency: required field missing; /order_id: got number, want string; and 1 more", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := schemas.Validate(tt.typ, []byte(tt.data))
			if err == nil {
				t.Fatal("Validate = nil, want an error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
			if got := errors.Is(err, schemas.ErrUnknownType); got != tt.unknown {
				t.Errorf("errors.Is(err, ErrUnknownType) = %v, want %v", got, tt.unknown)
			}
		})
	}
}
