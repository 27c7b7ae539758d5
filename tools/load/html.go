package load

import (
	"fmt"
	"html/template"
	"io"
)

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Load report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; } td { padding: 0.1em 1em 0.1em 0; font-family: monospace; }
figure { margin: 1.5em 0; } .fault { background: rgba(214,39,40,0.16); }
</style></head><body>
<h1>Load report</h1>
<p>Began {{.Began}}. Shaded spans are fault windows.</p>
{{range .Plots}}<figure>{{.}}</figure>
{{end}}
<h2>Figures</h2>
<table>{{range .Lines}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>
{{end}}</table>
{{if .Faults}}<h2>Faults</h2>
<table><tr><td>kind</td><td>target</td><td>from s</td><td>to s</td><td>detail</td></tr>
{{range .Faults}}<tr class="fault"><td>{{.Kind}}</td><td>{{.Target}}</td><td>{{.From}}</td><td>{{.To}}</td><td>{{.Detail}}</td></tr>
{{end}}</table>{{end}}
{{if .Invariants}}<h2>Invariants</h2><pre>{{.Invariants}}</pre>{{end}}
</body></html>
`))

type faultRow struct {
	Kind, Target, Detail string
	From, To             string
}

func writeHTML(w io.Writer, r *Report) error {
	buckets := r.Timeline.Buckets()
	began := r.Timeline.Began()
	var windows []window
	var rows []faultRow
	for _, f := range r.Faults() {
		from, to := f.Start.Sub(began).Seconds(), f.End.Sub(began).Seconds()
		windows = append(windows, window{from: from, to: to})
		rows = append(rows, faultRow{Kind: f.Kind, Target: f.Target, Detail: f.Detail,
			From: fmt.Sprintf("%.1f", from), To: fmt.Sprintf("%.1f", to)})
	}
	var plots []template.HTML
	for _, fig := range figures() {
		svg, err := plotSVG(fig.title, fig.y, fig.lines, buckets, windows)
		if err != nil {
			return err
		}
		plots = append(plots, template.HTML(svg)) //nolint:gosec // our own plotter's SVG
	}
	var inv string
	r.mu.Lock()
	if r.invariants != nil {
		inv = r.invariants.String()
	}
	r.mu.Unlock()
	err := page.Execute(w, map[string]any{
		"Began": began.Format("2006-01-02 15:04:05 MST"), "Plots": plots, "Lines": r.lines(),
		"Faults": rows, "Invariants": inv,
	})
	if err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}
