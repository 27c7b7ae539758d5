// Package metrics_test checks the platform's shared metrics against real
// servers: the route and breaker metrics an httpserver serves, and the
// outbox backlog read from a real PostgreSQL.
package metrics_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// scrape returns the lines of url's /metrics that start with name.
func scrape(t *testing.T, url, name string) []string {
	t.Helper()
	res, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, name) {
			out = append(out, line)
		}
	}
	return out
}
