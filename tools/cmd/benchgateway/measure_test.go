package main

import (
	"slices"
	"testing"
)

func TestTurnOrderAlternatesNeighbours(t *testing.T) {
	ts := []target{{name: "direct"}, {name: "gateway"}, {name: "nginx"}}
	names := func(ts []target) []string {
		var n []string
		for _, t := range ts {
			n = append(n, t.name)
		}
		return n
	}
	if got := names(turnOrder(ts, 0)); !slices.Equal(got, []string{"direct", "gateway", "nginx"}) {
		t.Fatalf("round 0: %v", got)
	}
	if got := names(turnOrder(ts, 1)); !slices.Equal(got, []string{"nginx", "gateway", "direct"}) {
		t.Fatalf("round 1: %v", got)
	}
	if got := names(ts); !slices.Equal(got, []string{"direct", "gateway", "nginx"}) {
		t.Fatalf("the listed order changed to %v", got)
	}
}

// Each target's median can come from a different round; the paired figure
// compares within rounds. Here both medians are 200, a ratio of 1, while a
// is half of b in two rounds of three.
func TestPairedComparesWithinRounds(t *testing.T) {
	a := []wrkResult{{rps: 100}, {rps: 300}, {rps: 200}}
	b := []wrkResult{{rps: 200}, {rps: 600}, {rps: 100}}
	if got := paired(a, b, func(x, y wrkResult) float64 { return x.rps / y.rps }); got != 0.5 {
		t.Fatalf("paired ratio = %v, want 0.5", got)
	}
}

func TestMedianOf(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := medianOf(c.in); got != c.want {
			t.Errorf("medianOf(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestSeamFiguresCompareWithThePlainGateway(t *testing.T) {
	high := map[string][]wrkResult{"gateway": {{rps: 150, cpuUS: 75}}}
	for _, s := range seams {
		high[s.plainTarget()] = []wrkResult{{rps: 100, cpuUS: 100}}
	}
	for _, f := range seamFigures(high) {
		if f.cpuSaving != 25 || f.rpsGain != 50 {
			t.Errorf("%s: CPU saving %v %%, requests/s gain %v %%; want 25 and 50", f.name, f.cpuSaving, f.rpsGain)
		}
	}
}
