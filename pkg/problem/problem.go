// Package problem is the platform's HTTP error: RFC 9457 problem details,
// returned by handlers as an error and rendered by one echo error handler.
package problem

import (
	"fmt"
	"net/http"
)

// ContentType is the media type of a problem body.
const ContentType = "application/problem+json"

// Problem is an RFC 9457 problem. It is an error so that handlers return it
// like any other; Status decides the HTTP status.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// RequestID is the X-Request-Id of the request that failed.
	RequestID string `json:"request_id,omitempty"`
	// RetryAfter, when positive, is sent as the Retry-After header in seconds.
	RetryAfter int `json:"-"`
}

// Error returns the title and detail.
func (p *Problem) Error() string {
	if p.Detail == "" {
		return fmt.Sprintf("%d %s", p.Status, p.Title)
	}
	return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
}

// New returns a problem with status; an empty title becomes the status text.
func New(status int, title, detail string) *Problem {
	if title == "" {
		title = http.StatusText(status)
	}
	return &Problem{Type: "about:blank", Title: title, Status: status, Detail: detail}
}

// BadRequest is a 400 problem: the request could not be parsed.
func BadRequest(detail string) *Problem { return New(http.StatusBadRequest, "", detail) }

// Unauthorized is a 401 problem: no valid credentials.
func Unauthorized(detail string) *Problem { return New(http.StatusUnauthorized, "", detail) }

// Forbidden is a 403 problem: valid credentials without the right.
func Forbidden(detail string) *Problem { return New(http.StatusForbidden, "", detail) }

// NotFound is a 404 problem.
func NotFound(detail string) *Problem { return New(http.StatusNotFound, "", detail) }

// Conflict is a 409 problem: the resource is not in a state that allows the request.
func Conflict(detail string) *Problem { return New(http.StatusConflict, "", detail) }

// TooLarge is a 413 problem: the body exceeds the limit.
func TooLarge(detail string) *Problem { return New(http.StatusRequestEntityTooLarge, "", detail) }

// Unprocessable is a 422 problem: well-formed but semantically wrong.
func Unprocessable(detail string) *Problem { return New(http.StatusUnprocessableEntity, "", detail) }

// Unavailable is a 503 problem with a Retry-After in seconds.
func Unavailable(detail string, retryAfter int) *Problem {
	p := New(http.StatusServiceUnavailable, "", detail)
	p.RetryAfter = retryAfter
	return p
}
