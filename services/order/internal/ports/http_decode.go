package ports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/eventshop/eventshop/pkg/problem"
	"github.com/eventshop/eventshop/services/order/internal/app/command"
	"github.com/eventshop/eventshop/services/order/internal/domain"
)

// MaxBodyBytes is the largest order request accepted.
const MaxBodyBytes = 64 << 10

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 255

// placeOrderRequest is the body of POST /api/v1/orders.
type placeOrderRequest struct {
	Items         []itemRequest `json:"items"`
	PaymentMethod string        `json:"payment_method"`
}

type itemRequest struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// decodePlaceOrder reads the body strictly: unknown fields, trailing data,
// wrong types and malformed JSON are 400, a body over MaxBodyBytes is 413.
// The request hash is taken over the decoded request, so whitespace or key
// order does not make a retry look like another request.
func decodePlaceOrder(c echo.Context) (command.PlaceOrder, error) {
	key, err := idempotencyKey(c)
	if err != nil {
		return command.PlaceOrder{}, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return command.PlaceOrder{}, problem.TooLarge("the request body exceeds 64 KiB")
		}
		return command.PlaceOrder{}, problem.BadRequest("the request body could not be read")
	}
	var req placeOrderRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return command.PlaceOrder{}, problem.BadRequest("malformed request body: " + err.Error())
	}
	if dec.More() {
		return command.PlaceOrder{}, problem.BadRequest("malformed request body: data after the JSON object")
	}
	canonical, err := json.Marshal(req)
	if err != nil {
		return command.PlaceOrder{}, err
	}
	sum := sha256.Sum256(canonical)
	items := make([]domain.Item, len(req.Items))
	for i, it := range req.Items {
		items[i] = domain.NewItem(it.SKU, it.Quantity)
	}
	return command.PlaceOrder{
		Items: items, PaymentMethod: req.PaymentMethod,
		IdempotencyKey: key, RequestHash: hex.EncodeToString(sum[:]),
	}, nil
}

// idempotencyKey returns the optional Idempotency-Key header, which must be
// 1 to 255 printable ASCII characters.
func idempotencyKey(c echo.Context) (string, error) {
	values := c.Request().Header.Values("Idempotency-Key")
	if len(values) == 0 {
		return "", nil
	}
	key := values[0]
	if len(values) > 1 || key == "" || len(key) > maxIdempotencyKey {
		return "", problem.BadRequest("Idempotency-Key must be one value of 1 to 255 characters")
	}
	for _, r := range key {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return "", problem.BadRequest("Idempotency-Key must be printable ASCII")
		}
	}
	return key, nil
}
