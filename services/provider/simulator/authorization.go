package simulator

import (
	"errors"
	"time"
)

// Status is the state of an authorization at the provider.
type Status string

// The states an authorization moves through. Authorized is the start;
// Captured and Voided are final.
const (
	StatusAuthorized Status = "authorized"
	StatusCaptured   Status = "captured"
	StatusVoided     Status = "voided"
)

// Card tokens with a fixed outcome.
const (
	TokenVisa    = "tok_visa"
	TokenDecline = "tok_decline"
	TokenTimeout = "tok_timeout"
)

var (
	// ErrNotFound means no authorization has the given id.
	ErrNotFound = errors.New("authorization not found")
	// ErrConflict means the operation contradicts the authorization's state,
	// such as capturing a voided authorization.
	ErrConflict = errors.New("authorization state conflict")
	// ErrIdempotencyMismatch means an idempotency key was reused with a
	// different request body.
	ErrIdempotencyMismatch = errors.New("idempotency key reused with another request")
	// ErrAmount means a capture asked for more than was authorized.
	ErrAmount = errors.New("capture amount exceeds authorized amount")
)

// AuthorizeRequest is the body of POST /v1/authorizations.
type AuthorizeRequest struct {
	IdempotencyKey string `json:"idempotency_key"`
	AmountCents    int64  `json:"amount_cents"`
	Currency       string `json:"currency"`
	CardToken      string `json:"card_token"`
}

// Authorization is one authorization as the provider reports it.
type Authorization struct {
	ID                  string    `json:"id"`
	Status              Status    `json:"status"`
	IdempotencyKey      string    `json:"idempotency_key"`
	AmountCents         int64     `json:"amount_cents"`
	Currency            string    `json:"currency"`
	CapturedAmountCents int64     `json:"captured_amount_cents"`
	Captures            int       `json:"captures"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// Decline is the body of a 402 answer.
type Decline struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// validate reports what is wrong with a request, or "" when it is fine.
func (r AuthorizeRequest) validate() string {
	switch {
	case r.IdempotencyKey == "":
		return "idempotency_key is required"
	case r.AmountCents <= 0:
		return "amount_cents must be positive"
	case len(r.Currency) != 3:
		return "currency must be a three-letter code"
	case r.CardToken != TokenVisa && r.CardToken != TokenDecline && r.CardToken != TokenTimeout:
		return "unknown card_token"
	}
	return ""
}
