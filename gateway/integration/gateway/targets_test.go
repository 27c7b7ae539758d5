package gateway_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// raw sends text as it is on a new connection to the gateway and reads
// one answer.
func (h *harness) raw(t *testing.T, text string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, text); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestOnePathForEveryDecision checks that routing, authorisation and
// forwarding see one path: the cleaned one. A target that names an
// anonymous route only once cleaned is that route (and the upstream gets
// the cleaned path); one that names a protected route once cleaned is
// protected; a fragment, a space in a header name and an absolute-form
// target cannot split the decisions either.
func TestOnePathForEveryDecision(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testConfig(), nil)
	inv, order := h.up["inventory"], h.up["order"]
	cases := []struct {
		name, target string
		extra        string // a header line, when set
		status       int
		reaches      *upstream // nil: no upstream sees it
		path         string    // the path that upstream sees
	}{
		{"dot segments to an anonymous route", "/api/v1/orders/../products", "", 200, inv, "/api/v1/products"},
		{"dot segments to a protected route", "/api/v1/products/../orders", "", 401, nil, ""},
		{"encoded dot segments to a protected route", "/api/v1/products/..%2Forders", "", 401, nil, ""},
		{"encoded slash hides no route", "/api/v1/products%2F..%2F..%2Fv1%2Forders", "", 401, nil, ""},
		{"fragment", "/api/v1/products#/../orders", "", 400, nil, ""},
		{"absolute form", "http://evil.example/api/v1/products/SKU-9", "", 200, inv, "/api/v1/products/SKU-9"},
		{"encoded query mark in a cached path", "/api/v1/products/SKU-7%3Fx=1", "", 200, inv, "/api/v1/products/SKU-7%3Fx=1"},
		{"absolute form of a protected route", "http://evil.example/api/v1/orders", "", 401, nil, ""},
		{"space in a header name", "/api/v1/products/SKU-8", "X-Role : admin\r\n", 400, nil, ""},
	}
	for _, tc := range cases {
		before := inv.count() + order.count()
		resp := h.raw(t, "GET "+tc.target+" HTTP/1.1\r\nHost: gw\r\n"+tc.extra+"\r\n")
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
			continue
		}
		after := inv.count() + order.count()
		if tc.reaches == nil {
			if after != before {
				t.Errorf("%s: an upstream saw the request", tc.name)
			}
			continue
		}
		got := tc.reaches.last()
		if after != before+1 || got.RequestURI != tc.path {
			t.Errorf("%s: upstream saw %q, want %q", tc.name, got.RequestURI, tc.path)
		}
		if got.Host != strings.TrimPrefix(tc.reaches.srv.URL, "http://") || got.Header.Get("X-Forwarded-Host") != "" {
			t.Errorf("%s: upstream saw Host %q and X-Forwarded-Host %q", tc.name, got.Host, got.Header.Get("X-Forwarded-Host"))
		}
	}
}
