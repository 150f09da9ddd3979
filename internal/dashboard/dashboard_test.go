package dashboard

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestParsePeriod(t *testing.T) {
	d := func(s string) time.Time { x, _ := time.Parse(time.DateOnly, s); return x }
	for _, tc := range []struct {
		day, from, to string
		want          Period
		given         bool
		field         string
	}{
		{"", "", "", Period{}, false, ""},
		{"2021-06-10", "", "", Period{d("2021-06-10"), d("2021-06-11")}, true, ""},
		{"", "2021-06-01", "2021-06-30", Period{d("2021-06-01"), d("2021-07-01")}, true, ""},
		{"", "2021-06-05", "2021-06-05", Period{d("2021-06-05"), d("2021-06-06")}, true, ""},
		{"2021-13-01", "", "", Period{}, false, "day"},
		{"2021-06-10", "2021-06-01", "", Period{}, false, "day"},
		{"", "2021-06-01", "", Period{}, false, "to"},
		{"", "", "2021-06-01", Period{}, false, "from"},
		{"", "2021-06-30", "2021-06-01", Period{}, false, "to"},
		{"", "2020-01-01", "2021-06-01", Period{}, false, "to"},
		{"", "yesterday", "2021-06-01", Period{}, false, "from"},
	} {
		got, given, err := ParsePeriod(tc.day, tc.from, tc.to)
		if tc.field != "" {
			if errs.FieldOf(err) != tc.field || errs.CodeOf(err) != errs.CodeInvalid {
				t.Errorf("%q %q %q: error %v, want one naming %s", tc.day, tc.from, tc.to, err, tc.field)
			}
			continue
		}
		if err != nil || given != tc.given || (given && got != tc.want) {
			t.Errorf("%q %q %q: %v %v %v, want %v %v", tc.day, tc.from, tc.to, got, given, err, tc.want, tc.given)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	f.Add("2021-06-10", "", "")
	f.Add("", "2021-06-01", "2021-06-30")
	f.Add("", "2021-06-30", "2021-06-01")
	f.Add("x", "2021-02-30", "")
	f.Fuzz(func(t *testing.T, day, from, to string) {
		p, given, err := ParsePeriod(day, from, to)
		if err != nil {
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) == "" {
				t.Fatalf("an error that names no field: %v", err)
			}
			return
		}
		if given && (!p.To.After(p.From) || p.To.Sub(p.From) > MaxPeriod || p.From.Hour() != 0) {
			t.Fatalf("a period out of bounds: %v", p)
		}
	})
}

// The cache counts once per key and version: a value of the current
// version is served, an older one too while it is fresh, then once in the
// background while readers keep getting the older one; a failed first
// count is not kept.
func TestSWR(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2021, 6, 10, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := newSWR[int](5*time.Second, 10, clock)
	var counts atomic.Int32
	release := make(chan struct{}, 10)
	compute := func(context.Context) (int, error) {
		n := counts.Add(1)
		if n > 1 {
			<-release
		}
		return int(n), nil
	}
	ctx := context.Background()
	// Many readers at once: one count.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.get(ctx, "k", 1, compute); err != nil || v != 1 {
				t.Errorf("first get: %d %v", v, err)
			}
		}()
	}
	wg.Wait()
	if counts.Load() != 1 {
		t.Fatalf("%d counts for one key", counts.Load())
	}
	// A newer version within the fresh interval: the value stands.
	advance(time.Second)
	if v, _ := c.get(ctx, "k", 2, compute); v != 1 || counts.Load() != 1 {
		t.Fatalf("within fresh: %d, %d counts", v, counts.Load())
	}
	// Past it: the older value at once, one count in the background.
	advance(5 * time.Second)
	for range 5 {
		if v, _ := c.get(ctx, "k", 2, compute); v != 1 {
			t.Fatalf("while refreshing: %d", v)
		}
	}
	release <- struct{}{}
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, _ := c.get(ctx, "k", 2, compute)
		if v == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refresh never landed")
		}
		time.Sleep(time.Millisecond)
	}
	if counts.Load() != 2 {
		t.Fatalf("%d counts, want 2", counts.Load())
	}
	// A failed first count is not cached.
	fails := 0
	bad := func(context.Context) (int, error) { fails++; return 0, errors.New("down") }
	for range 2 {
		if _, err := c.get(ctx, "bad", 1, bad); err == nil {
			t.Fatal("no error")
		}
	}
	if fails != 2 {
		t.Fatalf("the failure was cached: %d counts", fails)
	}
}
