package bench

import (
	"context"
	"testing"
	"time"
)

// A small load run: the demo plus a few generated allegations, two
// clients for two seconds; every class is asked for, nothing fails, and a
// second run on the same directory tops up nothing. (Figures are measured
// with truce bench load, never asserted here.)
func TestLoadSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo")
	}
	dir := t.TempDir()
	c := LoadConfig{Dir: dir, Allegations: 600, Clients: 2, Duration: 2 * time.Second, Seed: 1, WriteShare: 0.2}
	res, err := Load(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Allegations < 600 || res.SeededNow == 0 || res.Requests == 0 {
		t.Fatalf("%+v", res)
	}
	for _, r := range res.Routes {
		if r.Errors != 0 {
			t.Errorf("%s: %d errors: %v", r.Class, r.Errors, r.Samples)
		}
	}
	again, err := Load(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.SeededNow != 0 || again.Allegations < res.Allegations {
		t.Errorf("a second run seeded %d (had %d)", again.SeededNow, res.Allegations)
	}
	// With a mean pause of a second between an answer and the next
	// request, two clients send a handful in two seconds, not a stream.
	c.Think = time.Second
	thinking, err := Load(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if thinking.ThinkMs != 1000 || thinking.Requests > 16 {
		t.Errorf("with think time: %d requests (without: %d), think_mean_ms %v", thinking.Requests, again.Requests, thinking.ThinkMs)
	}
}
