package observe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/eventshop/eventshop/testkit"
)

// scraped are the processes whose /metrics the dashboard reads: the
// gateway and the four services.
var scraped = []string{"gateway", "order", "inventory", "payment", "notification"}

// metricName matches the metric names of the platform in a PromQL query;
// docs/metrics.md gives every one the eventshop_ prefix.
var metricName = regexp.MustCompile(`\beventshop_[a-z0-9_]+`)

// dashboard is the part of a Grafana dashboard the test reads.
type dashboard struct {
	UID    string `json:"uid"`
	Panels []struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// promConfig is the part of Prometheus's configuration the platform uses;
// decoding rejects any other field, so a typo cannot pass.
type promConfig struct {
	Global struct {
		ScrapeInterval     string `yaml:"scrape_interval"`
		EvaluationInterval string `yaml:"evaluation_interval"`
	} `yaml:"global"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// TestEveryDashboardMetricExists reads every query of the provisioned
// dashboard and checks that each metric it names is served on /metrics by
// a running gateway or service, after a saga has run.
func TestEveryDashboardMetricExists(t *testing.T) {
	want := dashboardMetrics(t)
	o := place(t, "alice", "tok_visa")
	if got, err := platform.users["alice"].WaitFinal(testContext(t), o.ID); err != nil || got.Status != "CONFIRMED" {
		t.Fatalf("order %+v, %v: want CONFIRMED", got, err)
	}
	testkit.EventuallyErr(t, wait, func() error {
		served, err := servedMetrics(testContext(t))
		if err != nil {
			return err
		}
		var missing []string
		for name, panels := range want {
			if !served[name] {
				missing = append(missing, fmt.Sprintf("%s (%s)", name, strings.Join(panels, ", ")))
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			return fmt.Errorf("queried by the dashboard, served by no process: %s", strings.Join(missing, "; "))
		}
		return nil
	})
}

// dashboardMetrics maps each metric the dashboard queries to its panels.
func dashboardMetrics(t *testing.T) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(platform.root, "deploy/grafana/dashboards/saga.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var d dashboard
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	want := map[string][]string{}
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, target := range p.Targets {
			names := metricName.FindAllString(target.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: query %q names no eventshop_ metric", p.Title, target.Expr)
			}
			for _, n := range names {
				want[n] = append(want[n], p.Title)
			}
		}
	}
	if d.UID == "" || len(want) == 0 {
		t.Fatalf("dashboard has uid %q and %d metrics, want a uid and some", d.UID, len(want))
	}
	return want
}

// servedMetrics is every metric name the scraped processes serve, with a
// histogram's _bucket, _sum and _count series.
func servedMetrics(ctx context.Context) (map[string]bool, error) {
	served := map[string]bool{}
	for _, svc := range scraped {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, platform.stack.URL(svc)+"/metrics", nil)
		if err != nil {
			return nil, err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("scrape %s: %w", svc, err)
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(res.Body)
		res.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("parse %s's metrics: %w", svc, err)
		}
		for name, f := range families {
			served[name] = true
			if f.GetType().String() == "HISTOGRAM" {
				served[name+"_bucket"], served[name+"_sum"], served[name+"_count"] = true, true, true
			}
		}
	}
	return served, nil
}

// TestPrometheusScrapesEveryService parses deploy/prometheus/prometheus.yml
// strictly and checks that it scrapes the gateway and every service at the
// address docker-compose.yml gives it.
func TestPrometheusScrapesEveryService(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(platform.root, "deploy/prometheus/prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var cfg promConfig
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	project := loadCompose(t)
	var targets []string
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	for _, svc := range append(slices.Clone(scraped), "provider") {
		want := composeAddress(t, project, svc)
		if !slices.Contains(targets, want) {
			t.Errorf("prometheus.yml scrapes %v, not %s at %s", targets, svc, want)
		}
	}
	if _, ok := project.Services["prometheus"]; !ok {
		t.Error("docker-compose.yml has no prometheus")
	}
}

// composeAddress is "<service>:<port>" from the service's <NAME>_HTTP_ADDR.
func composeAddress(t *testing.T, p *types.Project, svc string) string {
	t.Helper()
	addr := p.Services[svc].Environment[strings.ToUpper(svc)+"_HTTP_ADDR"]
	if addr == nil {
		t.Fatalf("compose service %s sets no %s_HTTP_ADDR", svc, strings.ToUpper(svc))
	}
	_, port, err := net.SplitHostPort(*addr)
	if err != nil {
		t.Fatalf("%s: %v", svc, err)
	}
	return svc + ":" + port
}

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  platform.root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(platform.root, "docker-compose.yml")}},
		Environment: map[string]string{},
	}, func(o *loader.Options) { o.SetProjectName("eventshop", true) })
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return p
}
