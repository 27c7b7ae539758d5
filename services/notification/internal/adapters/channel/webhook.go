package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/eventshop/eventshop/services/notification/internal/app/command"
)

var (
	// errServer marks a 5xx answer: a failure of the receiver, retried.
	errServer = errors.New("webhook server error")
	// errRejected marks a 4xx answer: the receiver works but refused the
	// message, so retrying at once is pointless and the breaker stays closed.
	errRejected = errors.New("webhook rejected the message")
)

// Webhook delivers a message as an HTTP POST of JSON to URL. The receiver
// gets the notification id in the Idempotency-Key header, since a message
// may arrive twice (delivery is at least once).
type Webhook struct {
	URL    string
	Client *http.Client
}

// webhookBody is the JSON a webhook receives.
type webhookBody struct {
	NotificationID string `json:"notification_id"`
	OrderID        string `json:"order_id"`
	CustomerID     string `json:"customer_id"`
	Kind           string `json:"kind"`
	Subject        string `json:"subject"`
	Body           string `json:"body"`
}

// Name is "webhook".
func (Webhook) Name() string { return "webhook" }

// Send posts m once; 2xx and 3xx are success.
func (w Webhook) Send(ctx context.Context, m command.Message) error {
	payload, err := json.Marshal(webhookBody{NotificationID: m.NotificationID, OrderID: m.OrderID,
		CustomerID: m.CustomerID, Kind: m.Kind, Subject: m.Subject, Body: m.Body})
	if err != nil {
		return fmt.Errorf("encode webhook body: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.NotificationID)
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post webhook: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	switch {
	case res.StatusCode >= 500:
		return fmt.Errorf("%w: status %d", errServer, res.StatusCode)
	case res.StatusCode >= 400:
		return fmt.Errorf("%w: status %d", errRejected, res.StatusCode)
	}
	return nil
}
