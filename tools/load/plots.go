package load

import (
	"bytes"
	"fmt"
	"image/color"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// series is one line of a plot: a value per bucket.
type series struct {
	name  string
	value func(Bucket) float64
	color color.Color
}

var (
	blue   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	green  = color.RGBA{R: 44, G: 160, B: 44, A: 255}
	orange = color.RGBA{R: 255, G: 127, B: 14, A: 255}
	red    = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	shade  = color.RGBA{R: 214, G: 39, B: 40, A: 40}
)

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// figures are the report's plots, in page order.
func figures() []struct {
	title, y string
	lines    []series
} {
	return []struct {
		title, y string
		lines    []series
	}{
		{"Throughput", "per second", []series{
			{"requests", func(b Bucket) float64 { return float64(b.Requests) }, blue},
			{"confirmed orders", func(b Bucket) float64 { return float64(b.Confirmed) }, green},
			{"HTTP errors", func(b Bucket) float64 { return float64(b.Errors) }, red},
		}},
		{"HTTP latency", "ms", []series{
			{"p50", func(b Bucket) float64 { return msOf(Percentile(b.HTTP, 50)) }, blue},
			{"p99", func(b Bucket) float64 { return msOf(Percentile(b.HTTP, 99)) }, orange},
		}},
		{"Saga latency, placement to final status", "ms", []series{
			{"p50", func(b Bucket) float64 { return msOf(Percentile(b.Saga, 50)) }, blue},
			{"p99", func(b Bucket) float64 { return msOf(Percentile(b.Saga, 99)) }, orange},
		}},
		{"Outcomes", "orders per second", []series{
			{"placed", func(b Bucket) float64 { return float64(b.Placed) }, blue},
			{"confirmed", func(b Bucket) float64 { return float64(b.Confirmed) }, green},
			{"cancelled", func(b Bucket) float64 { return float64(b.Cancelled) }, orange},
			{"rejected", func(b Bucket) float64 { return float64(b.Rejected) }, red},
		}},
	}
}

// plotSVG draws one figure over the buckets, with the faults shaded, as an
// SVG document.
func plotSVG(title, y string, lines []series, buckets []Bucket, faults []window) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "seconds since the start"
	p.Y.Label.Text = y
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	p.Add(faultShade{windows: faults})
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(8)
	for _, s := range lines {
		xys := make(plotter.XYs, len(buckets))
		for i, b := range buckets {
			xys[i] = plotter.XY{X: b.Start.Seconds(), Y: s.value(b)}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", title, err)
		}
		l.Color = s.color
		l.Width = vg.Points(1.2)
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	// Head room above the lines for the legend.
	p.Y.Max = max(p.Y.Max*1.35, 1)
	wt, err := p.WriterTo(9*vg.Inch, 3.2*vg.Inch, "svg")
	if err != nil {
		return nil, fmt.Errorf("plot %s: %w", title, err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot %s: %w", title, err)
	}
	svg := buf.Bytes()
	if i := bytes.Index(svg, []byte("<svg")); i > 0 {
		svg = svg[i:] // inline in HTML: no XML declaration
	}
	return svg, nil
}

// window is a fault's span in seconds since the start.
type window struct{ from, to float64 }

// faultShade is a plotter that shades each fault window the plot's full
// height, under the lines.
type faultShade struct{ windows []window }

func (f faultShade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, w := range f.windows {
		x0, x1 := max(trX(w.from), c.Min.X), min(trX(w.to), c.Max.X)
		if x1 <= x0 {
			continue
		}
		c.FillPolygon(shade, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}
