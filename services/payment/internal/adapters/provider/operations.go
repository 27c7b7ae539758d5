package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/eventshop/eventshop/services/payment/internal/app/command"
)

// authoriseBody is the provider's authorisation request.
type authoriseBody struct {
	IdempotencyKey string `json:"idempotency_key"`
	AmountCents    int64  `json:"amount_cents"`
	Currency       string `json:"currency"`
	CardToken      string `json:"card_token"`
}

// Authorise asks the provider to hold req's amount and returns the
// authorisation id. A decline is an answer, not a provider failure: it does
// not count against the breaker and returns command.ErrDeclined.
func (c *Client) Authorise(ctx context.Context, req command.AuthoriseRequest) (string, error) {
	res, err := c.call(ctx, http.MethodPost, "/v1/authorizations", authoriseBody(req))
	if err != nil {
		return "", fmt.Errorf("authorise: %w", err)
	}
	switch res.status {
	case http.StatusCreated, http.StatusOK:
		var auth struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(res.body, &auth); err != nil || auth.ID == "" {
			return "", fmt.Errorf("authorise: %w: unreadable answer", command.ErrProviderUnavailable)
		}
		return auth.ID, nil
	case http.StatusPaymentRequired:
		return "", fmt.Errorf("authorise: %w", command.ErrDeclined)
	}
	return "", unexpected("authorise", res)
}

// captureBody is the provider's capture request.
type captureBody struct {
	AmountCents int64 `json:"amount_cents"`
}

// CaptureHandler captures amountCents of authorisation authID. Capturing a captured
// authorisation again succeeds without a second capture; a voided one
// returns command.ErrProviderConflict.
func (c *Client) Capture(ctx context.Context, authID string, amountCents int64) error {
	res, err := c.call(ctx, http.MethodPost, "/v1/authorizations/"+url.PathEscape(authID)+"/capture",
		captureBody{AmountCents: amountCents})
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if res.status == http.StatusOK {
		return nil
	}
	return unexpected("capture", res)
}

// Void releases authorisation authID. Voiding twice succeeds; voiding a
// captured authorisation returns command.ErrProviderConflict.
func (c *Client) Void(ctx context.Context, authID string) error {
	res, err := c.call(ctx, http.MethodPost, "/v1/authorizations/"+url.PathEscape(authID)+"/void", struct{}{})
	if err != nil {
		return fmt.Errorf("void: %w", err)
	}
	if res.status == http.StatusOK {
		return nil
	}
	return unexpected("void", res)
}

// unexpected maps a 4xx answer to the app's errors.
func unexpected(op string, res response) error {
	var problem struct {
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(res.body, &problem) // the detail only helps the log line
	if res.status == http.StatusConflict {
		return fmt.Errorf("%s: %w: %s", op, command.ErrProviderConflict, problem.Detail)
	}
	return fmt.Errorf("%s: %w: %d %s", op, command.ErrProviderRejected, res.status, problem.Detail)
}
