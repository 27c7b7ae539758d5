package chaos

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Lines are the run's figures as name=value pairs, in print order: the
// counts the promise is judged by, then recovery per fault kind, then
// saga latency.
func (r Result) Lines() [][2]string {
	s := r.Load.Summary
	v := r.Verdict
	kinds := map[string]bool{}
	for _, w := range r.Windows {
		kinds[w.Kind] = true
	}
	out := [][2]string{
		{"orders", fmt.Sprint(s.Orders)},
		{"confirmed", fmt.Sprint(s.Confirmed)},
		{"rejected", fmt.Sprint(s.Rejected)},
		{"cancelled", fmt.Sprint(s.Cancelled)},
		{"faults", fmt.Sprint(len(r.Windows))},
		{"fault_kinds", fmt.Sprint(len(kinds))},
		{"lost", fmt.Sprint(v.Lost)},
		{"duplicated", fmt.Sprint(v.Duplicated)},
		{"stuck", fmt.Sprint(v.Stuck)},
		{"unexpected_dead_letters", fmt.Sprint(len(v.DeadLetters))},
		{"copies_injected", fmt.Sprint(r.Copies)},
		{"poison_injected", fmt.Sprint(r.Poison)},
		{"settled_s", secs(v.Settled)},
	}
	var names []string
	var worst time.Duration
	for k, d := range r.Recovery {
		names = append(names, k)
		worst = max(worst, d)
	}
	sort.Strings(names)
	for _, k := range names {
		out = append(out, [2]string{"recovery_s_" + k, secs(r.Recovery[k])})
	}
	out = append(out,
		[2]string{"recovery_s_max", secs(worst)},
		[2]string{"saga_p99_ms_outside_faults", millis(r.SagaP99Outside)},
		[2]string{"saga_p99_ms_without_faults", millis(r.SagaP99Baseline)},
		[2]string{"confirmed_per_s", fmt.Sprintf("%.1f", s.ConfirmedPerS)},
		[2]string{"http_errors", fmt.Sprint(s.HTTPErrors)},
	)
	if len(r.Reasons) > 0 {
		out = append(out, [2]string{"reasons", reasons(r.Reasons)})
	}
	return out
}

// WriteLines writes Lines as name=value lines.
func (r Result) WriteLines(w io.Writer) error {
	for _, kv := range r.Lines() {
		if _, err := fmt.Fprintf(w, "%s=%s\n", kv[0], kv[1]); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
	}
	return nil
}

func secs(d time.Duration) string   { return fmt.Sprintf("%.1f", d.Seconds()) }
func millis(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

// writeReport writes report.html (the load's plots with the fault windows
// shaded) and summary.txt (the load's figures, then the run's) into dir.
func writeReport(dir string, res *Result) error {
	html, err := os.Create(filepath.Join(dir, "report.html"))
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if err := res.Load.WriteHTML(html); err != nil {
		html.Close()
		return err
	}
	if err := html.Close(); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	sum, err := os.Create(filepath.Join(dir, "summary.txt"))
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	defer sum.Close()
	if err := res.Load.WriteSummary(sum); err != nil {
		return err
	}
	return res.WriteLines(sum)
}

// reasons renders counts by reason as "reason (n); ...", most first.
func reasons(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s (%d)", k, m[k])
	}
	return strings.Join(parts, "; ")
}
