// Package client is a small typed client of the shop's public HTTP API, used
// by the end-to-end tests, the demo, the load generator and the benchmarks.
// It talks either to the gateway or straight to each service.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client calls the API as one user.
type Client struct {
	// Resolve maps a path to the base URL that serves it.
	Resolve func(path string) string
	HTTP    *http.Client
	Token   string
}

// ViaGateway returns a client that sends everything to the gateway at base.
func ViaGateway(base string) *Client {
	return &Client{Resolve: func(string) string { return base }, HTTP: defaultHTTP()}
}

// Direct returns a client that calls each service itself; urls maps service
// name ("order", "inventory", ...) to base URL. Services verify the same
// tokens the gateway does, so nothing is bypassed but the gateway.
func Direct(urls map[string]string) *Client {
	return &Client{Resolve: func(path string) string { return urls[ServiceOf(path)] }, HTTP: defaultHTTP()}
}

// ServiceOf names the service that owns an /api/v1 path.
func ServiceOf(path string) string {
	switch {
	case strings.HasPrefix(path, "/api/v1/orders"):
		return "order"
	case strings.HasPrefix(path, "/api/v1/products"), strings.HasPrefix(path, "/api/v1/admin/inventory"),
		strings.HasPrefix(path, "/api/v1/admin/products"):
		return "inventory"
	case strings.HasPrefix(path, "/api/v1/admin/payments"):
		return "payment"
	case strings.HasPrefix(path, "/api/v1/notifications"):
		return "notification"
	}
	return "gateway"
}

func defaultHTTP() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	return &http.Client{Timeout: 30 * time.Second, Transport: t}
}

// As returns a copy of c that sends token.
func (c *Client) As(token string) *Client {
	cp := *c
	cp.Token = token
	return &cp
}

// Error is a non-2xx answer, with the problem body.
type Error struct {
	Status int
	Body   string
}

func (e *Error) Error() string { return fmt.Sprintf("status %d: %s", e.Status, e.Body) }

// Do sends a request with an optional JSON body and decodes a JSON answer
// into out (when out is not nil). A non-2xx status is an *Error.
func (c *Client) Do(ctx context.Context, method, path string, body any, hdr http.Header, out any) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return nil, fmt.Errorf("encode body: %w", err)
			}
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Resolve(path)+path, r)
	if err != nil {
		return nil, fmt.Errorf("new request: %w", err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, fmt.Errorf("read %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return resp, &Error{Status: resp.StatusCode, Body: string(data)}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return resp, nil
}
