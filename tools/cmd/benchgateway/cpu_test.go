package main

import (
	"os"
	"slices"
	"testing"
)

func TestCPUSecondsGrowsWithWork(t *testing.T) {
	pid := []int{os.Getpid()}
	before, err := cpuSeconds(pid)
	if err != nil {
		t.Fatal(err)
	}
	after := before
	for after == before { // busy until the next clock tick
		if after, err = cpuSeconds(pid); err != nil {
			t.Fatal(err)
		}
	}
	if after < before {
		t.Fatalf("CPU time went back: %v then %v", before, after)
	}
}

func TestChildrenFindsThisProcess(t *testing.T) {
	kids, err := children(os.Getppid())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(kids, os.Getpid()) {
		t.Fatalf("children of %d = %v, without this process %d", os.Getppid(), kids, os.Getpid())
	}
}

func TestCPUMeterDividesByRequests(t *testing.T) {
	m, err := startCPU([]int{os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for got == 0 { // busy until the next clock tick
		if got, err = m.perRequest(1000); err != nil {
			t.Fatal(err)
		}
	}
	all, err := m.perRequest(1)
	if err != nil {
		t.Fatal(err)
	}
	if got <= 0 || all < got*1000 {
		t.Fatalf("per request of 1000 = %v µs, of 1 = %v µs: want the second at least 1000 times the first", got, all)
	}
}

func TestCPUMeterWithoutProcessesMeasuresNothing(t *testing.T) {
	m, err := startCPU(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.perRequest(10); got != 0 || err != nil {
		t.Fatalf("perRequest = %v, %v; want 0, nil", got, err)
	}
}
