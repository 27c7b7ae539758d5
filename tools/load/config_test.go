package load_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eventshop/eventshop/tools/load"
)

func TestParseMix(t *testing.T) {
	t.Parallel()
	m, err := load.ParseMix("place=3,browse=1")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Share(load.OpPlace); got != 0.75 {
		t.Errorf("place share %g, want 0.75", got)
	}
	for _, bad := range []string{"place", "place=-1", "fly=1", "place=0", ""} {
		if _, err := load.ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
	back, err := load.ParseMix(load.DefaultMix().String())
	if err != nil || !cmp.Equal(back, load.DefaultMix()) {
		t.Errorf("DefaultMix does not read back: %v %v", back, err)
	}
}

func TestParseCards(t *testing.T) {
	t.Parallel()
	c, err := load.ParseCards("tok_visa=1,tok_timeout=1")
	if err != nil || len(c) != 2 {
		t.Fatalf("cards %v, err %v", c, err)
	}
	if _, err := load.ParseCards("visa=1"); err == nil {
		t.Error("a card that is not a token was accepted")
	}
}

func TestOpLogRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := load.NewOpLog(&buf)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []load.Entry{
		{Op: load.OpPlace, Start: start, End: start.Add(time.Millisecond), Result: "ok", Status: 202, OrderID: "o1", Card: load.CardVisa},
		{Op: load.OpFault, Start: start, End: start.Add(time.Second), Result: "kill", Target: "inventory"},
	}
	for _, e := range want {
		log.Write(e)
	}
	if err := log.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := load.ReadOpLog(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}
