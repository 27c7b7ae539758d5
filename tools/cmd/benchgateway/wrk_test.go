package main

import "testing"

const wrkOutput = `Running 2s test @ http://127.0.0.1:40000/api/v1/orders
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.21ms    1.02ms  21.40ms   81.20%
    Req/Sec    10.01k   512.33    11.02k    70.00%
  Latency Distribution
     50%    3.05ms
     75%    3.62ms
     90%    4.31ms
     99%    6.90ms
  39871 requests in 2.00s, 21.28MB read
Requests/sec:  19930.12
Transfer/sec:     10.64MB
`

func TestParseWrkReadsRateMedianAndCount(t *testing.T) {
	r, err := parseWrk([]byte(wrkOutput))
	if err != nil {
		t.Fatal(err)
	}
	if r.rps != 19930.12 || r.p50ms != 3.05 || r.requests != 39871 {
		t.Fatalf("parsed %+v", r)
	}
}

func TestParseWrkRefusesErrors(t *testing.T) {
	out := wrkOutput + "  Non-2xx or 3xx responses: 12\n"
	if _, err := parseWrk([]byte(out)); err == nil {
		t.Fatal("a run with error answers was accepted")
	}
}

func TestDurationMS(t *testing.T) {
	for in, want := range map[string]float64{"812.00us": 0.812, "1.20ms": 1.2, "1.01s": 1010} {
		if got := durationMS(in); got != want {
			t.Errorf("durationMS(%q) = %v, want %v", in, got, want)
		}
	}
}
