package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"

	"github.com/eventshop/eventshop/testkit"
)

// Links holds one toxiproxy proxy per link of the platform, named
// "<client>-><server>" (such as "payment->postgres"), each listening on a
// free port of 127.0.0.1 and forwarding to the real server.
type Links struct {
	server *toxiproxy.ApiServer

	mu      sync.Mutex
	proxies map[string]*toxiproxy.Proxy
}

// NewLinks returns an empty set of links; Route adds them.
func NewLinks() *Links {
	return &Links{
		server:  toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop()),
		proxies: map[string]*toxiproxy.Proxy{},
	}
}

// LinkName names the link from client to server.
func LinkName(from, to string) string { return from + "->" + to }

// Route starts a proxy from client from to server to at addr and returns
// the proxy's address; it fits stack.Options.Route. A second call for the
// same link (a restarted service) returns the same proxy.
func (l *Links) Route(from, to, addr string) (string, error) {
	name := LinkName(from, to)
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.proxies[name]; ok {
		return p.Listen, nil
	}
	port, err := testkit.FreePort() // not :0, which may take a port a stack gave a service not yet started
	if err != nil {
		return "", fmt.Errorf("proxy %s: %w", name, err)
	}
	p := toxiproxy.NewProxy(l.server, name, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), addr)
	if err := p.Start(); err != nil {
		return "", fmt.Errorf("proxy %s: %w", name, err)
	}
	l.proxies[name] = p
	return p.Listen, nil
}

// Names lists the links, sorted.
func (l *Links) Names() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := make([]string, 0, len(l.proxies))
	for n := range l.proxies {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// To lists the links whose server is to, sorted.
func (l *Links) To(to string) []string {
	var out []string
	for _, n := range l.Names() {
		if strings.HasSuffix(n, "->"+to) {
			out = append(out, n)
		}
	}
	return out
}

// Toxic is one toxiproxy toxic: its type ("latency", "bandwidth",
// "reset_peer", "timeout") and attributes, on the downstream (server to
// client) or upstream stream.
type Toxic struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Stream     string         `json:"stream"`
	Toxicity   float32        `json:"toxicity"`
	Attributes map[string]any `json:"attributes"`
}

// Add puts toxic on link; it applies to the link's open connections and
// to new ones until Remove.
func (l *Links) Add(link string, t Toxic) error {
	p, err := l.proxy(link)
	if err != nil {
		return err
	}
	if t.Toxicity == 0 {
		t.Toxicity = 1
	}
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("toxic %s: %w", t.Name, err)
	}
	if _, err := p.Toxics.AddToxicJson(strings.NewReader(string(b))); err != nil {
		return fmt.Errorf("add toxic %s to %s: %w", t.Name, link, err)
	}
	return nil
}

// Remove takes the toxic named name off link.
func (l *Links) Remove(ctx context.Context, link, name string) error {
	p, err := l.proxy(link)
	if err != nil {
		return err
	}
	if err := p.Toxics.RemoveToxic(ctx, name); err != nil {
		return fmt.Errorf("remove toxic %s from %s: %w", name, link, err)
	}
	return nil
}

func (l *Links) proxy(link string) (*toxiproxy.Proxy, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.proxies[link]
	if !ok {
		return nil, fmt.Errorf("no link %s", link)
	}
	return p, nil
}

// Close stops every proxy.
func (l *Links) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.proxies {
		p.Stop()
	}
}
