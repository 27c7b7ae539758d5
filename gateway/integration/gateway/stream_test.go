package gateway_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/gateway/internal/gateway"
)

// TestEventStreamReachesTheClientEventByEvent checks that an answer is
// streamed, not held: a Server-Sent Events upstream that writes an event
// every 100 ms gets each event to the client on its own, the first while
// the upstream is still writing, past the route's timeout and the write
// deadline of plain answers.
func TestEventStreamReachesTheClientEventByEvent(t *testing.T) {
	t.Parallel()
	const events = 15
	finished := make(chan struct{})
	sse := func(w http.ResponseWriter, _ *http.Request) {
		defer close(finished)
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for i := range events {
			fmt.Fprintf(w, "data: %d\n\n", i)
			_ = rc.Flush()
			time.Sleep(100 * time.Millisecond) // the upstream's pace, not synchronisation
		}
	}
	up := newUpstreamHandler(t, sse)
	cfg := testConfig()
	cfg.OrderURL = up
	cfg.UpstreamTimeout = 500 * time.Millisecond
	cfg.Limits.WriteTimeout = 500 * time.Millisecond
	h := newHarness(t, cfg, nil)
	req, _ := http.NewRequest("GET", h.url+"/api/v1/orders/o1/timeline", nil)
	req.Header.Set("Authorization", "Bearer "+h.token(t, "alice"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for i := range events {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if want := fmt.Sprintf("data: %d\n", i); line != want {
			t.Fatalf("event %d: got %q, want %q", i, line, want)
		}
		if i == 0 {
			select {
			case <-finished:
				t.Fatal("the first event arrived only after the upstream finished")
			default:
			}
		}
		_, _ = br.ReadString('\n')
	}
}

// newUpstreamHandler serves h on a loopback port for the test.
func newUpstreamHandler(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestHTTPSNegotiatesHTTP2 checks that with a certificate and key the
// gateway serves HTTPS and a client gets HTTP/2.
func TestHTTPSNegotiatesHTTP2(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := selfSigned(t)
	up := newUpstream(t, "inventory")
	cfg := testConfig()
	cfg.OrderURL, cfg.InventoryURL, cfg.PaymentURL, cfg.NotificationURL = up.srv.URL, up.srv.URL, up.srv.URL, up.srv.URL
	cfg.TLSCertFile, cfg.TLSKeyFile = certFile, keyFile
	g, err := gateway.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	base := strings.Replace(serve(t, g), "http://", "https://", 1)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	req, _ := http.NewRequest("GET", base+"/api/v1/orders", nil)
	req.Header.Set("Authorization", "Bearer "+newIssuerToken(t, "alice"))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 || resp.TLS == nil {
		t.Errorf("got %d over %s (tls %v): %s; want 200 over HTTP/2", resp.StatusCode, resp.Proto, resp.TLS != nil, body)
	}
	if up.last().Header.Get("X-Forwarded-Proto") != "https" {
		t.Errorf("upstream got X-Forwarded-Proto %q", up.last().Header.Get("X-Forwarded-Proto"))
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key to files and
// returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gateway test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
