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
}
