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
