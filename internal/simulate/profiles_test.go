package simulate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/geo"
)

// The default profile's bytes for an existing seed are those written
// before profiles existed (sha256 of `truce simulate --seed 5 --events
// 3000` at commit 92190c4).
func TestDefaultProfileBytesUnchanged(t *testing.T) {
	const want = "aeafe307ed68bf1e174835fb1bae5de2c22c56d3d53525c8578694ea440271f2"
	var buf bytes.Buffer
	if err := Write(&buf, Config{Seed: 5, Events: 3000, Days: 365, LineKm: 300}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("default stream changed: sha256 %s, want %s", got, want)
	}
	var a, b bytes.Buffer
	if err := Write(&a, Config{Seed: 5, Events: 3000}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, Config{Seed: 5, Events: 3000, Noise: DefaultNoise()}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the zero Noise and DefaultNoise give different streams")
	}
}

func TestProfilesDifferAndAreHidden(t *testing.T) {
	if len(Profiles) < 3 {
		t.Fatalf("%d profiles, want the default and at least two more", len(Profiles))
	}
	streams := map[string][]byte{}
	for _, name := range ProfileNames() {
		nz, err := Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := nz.Check(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, Config{Seed: 2, Events: 2000, Days: 60, Noise: nz}); err != nil {
			t.Fatal(err)
		}
		for other, b := range streams {
			if bytes.Equal(b, buf.Bytes()) {
				t.Errorf("%s and %s give the same stream", name, other)
			}
		}
		streams[name] = buf.Bytes()
		head, _, _ := bytes.Cut(buf.Bytes(), []byte("\n"))
		if bytes.Contains(head, []byte(name)) || bytes.Contains(head, []byte("noise")) {
			t.Errorf("%s: the header tells the profile: %s", name, head)
		}
		if _, _, _, err := Read(bytes.NewReader(buf.Bytes())); err != nil {
			t.Errorf("%s: the stream does not read back: %v", name, err)
		}
	}
	if _, err := Profile("gentle"); errs.FieldOf(err) != "noise" {
		t.Errorf("unknown profile: %v, want an error naming noise", err)
	}
}

// Each profile's errors have the size and shape it promises.
func TestProfileShapes(t *testing.T) {
	type stats struct {
		exactTimeErr []float64 // minutes, exact allegations
		exactPlaceKm []float64 // exact allegations on the event's own side
		nearFarShare float64   // "near" villages 5 km or more from the event
		missedWindow float64   // windows and days that do not hold the event
	}
	measure := func(nz Noise) stats {
		gens, w, err := generate(Config{Seed: 11, Events: 20000, Days: 120, Noise: nz})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]event{}
		for _, ev := range w.events {
			byID[ev.id] = ev
		}
		villages := map[string]geo.Point{}
		for _, v := range w.villages {
			villages[v.name] = v.pt
		}
		var s stats
		var near, far, windows, missed int
		for _, g := range gens {
			ev, ok := byID[g.TrueEvent]
			r := g.Report
			if !ok || r.Kind != fusion.Allegation {
				continue
			}
			if r.TimePrecision == fusion.TimeExact {
				mid := r.Start.Add(r.End.Sub(r.Start) / 2)
				s.exactTimeErr = append(s.exactTimeErr, mid.Sub(ev.at).Minutes())
			} else {
				windows++
				if ev.at.Before(r.Start) || ev.at.After(r.End) {
					missed++
				}
			}
			onGround := sideSign(r.Source)*ev.off > 0
			switch {
			case r.PlacePrecision == fusion.PlaceExact && onGround:
				s.exactPlaceKm = append(s.exactPlaceKm, geo.Distance(ev.pt, geo.Point{Lat: r.Lat, Lon: r.Lon})/1000)
			case r.PlacePrecision == fusion.PlaceNear && onGround:
				near++
				if geo.Distance(ev.pt, villages[r.Place]) >= 5000 {
					far++
				}
			}
		}
		s.nearFarShare = float64(far) / float64(near)
		s.missedWindow = float64(missed) / float64(windows)
		return s
	}
	rms := func(xs []float64) float64 {
		sum := 0.0
		for _, x := range xs {
			sum += x * x
		}
		return math.Sqrt(sum / float64(len(xs)))
	}
	share := func(xs []float64, over float64) float64 {
		n := 0
		for _, x := range xs {
			if x > over {
				n++
			}
		}
		return float64(n) / float64(len(xs))
	}
	def, coarse, heavy := measure(DefaultNoise()), measure(Profiles["coarse"]()), measure(Profiles["heavytail"]())
	if e := rms(def.exactTimeErr); e < 4 || e > 8 {
		t.Errorf("default: exact times off by %.1f min rms, want about 6", e)
	}
	if e := rms(coarse.exactTimeErr); e < 20 || e > 30 {
		t.Errorf("coarse: exact times off by %.1f min rms, want about 25", e)
	}
	if coarse.nearFarShare < def.nearFarShare+0.2 {
		t.Errorf("coarse: %.2f of near places 5 km or more away, default %.2f: want far more", coarse.nearFarShare, def.nearFarShare)
	}
	if coarse.missedWindow < 2*def.missedWindow {
		t.Errorf("coarse: %.3f of windows miss, default %.3f", coarse.missedWindow, def.missedWindow)
	}
	// Heavy tail: a sharper core, and far more errors beyond 3 km.
	if d, h := share(def.exactPlaceKm, 3), share(heavy.exactPlaceKm, 3); h < 0.02 || d > 0.005 {
		t.Errorf("exact places beyond 3 km: default %.3f, heavytail %.3f", d, h)
	}
	if d, h := median(def.exactPlaceKm), median(heavy.exactPlaceKm); h >= d {
		t.Errorf("median exact place error: heavytail %.2f km, default %.2f km: want sharper", h, d)
	}
}

func median(xs []float64) float64 {
	ys := append([]float64(nil), xs...)
	for i := 1; i < len(ys); i++ {
		for j := i; j > 0 && ys[j] < ys[j-1]; j-- {
			ys[j], ys[j-1] = ys[j-1], ys[j]
		}
	}
	return ys[len(ys)/2]
}

func TestNoiseCheckNamesTheField(t *testing.T) {
	cases := map[string]func(*Noise){
		"wrong_time":         func(n *Noise) { n.WrongTime = 1.5 },
		"category_right":     func(n *Noise) { n.CategoryRight = math.NaN() },
		"exact_place_err_m":  func(n *Noise) { n.ExactPlaceErrM = -1 },
		"exact_time_err_min": func(n *Noise) { n.ExactTimeErrMin = math.Inf(1) },
		"allegation_place":   func(n *Noise) { n.AllegationPlace = [4]float64{} },
		"near_far":           func(n *Noise) { n.NearFar = -0.1 },
	}
	for field, spoil := range cases {
		nz := DefaultNoise()
		spoil(&nz)
		_, err := Generate(Config{Seed: 1, Events: 10, Noise: nz})
		if errs.FieldOf(err) != field {
			t.Errorf("%s: err %v, want one naming %s", field, err, field)
		}
	}
}

// The ideal fuser knows each profile: on every one it does better than
// leaving each report alone.
func TestCeilingPerProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, name := range ProfileNames() {
		nz, _ := Profile(name)
		res, err := Ceiling(Config{Seed: 3, Events: 4000, Days: 60, Noise: nz})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: top1 %.3f pairwise F1 %.3f B3 F1 %.3f alone %.3f", name, res.Top1, res.PairF1, res.BCubedF1, res.SingletonBCubedF1)
		if res.Top1 < 0.5 || res.BCubedF1 <= res.SingletonBCubedF1 {
			t.Errorf("%s: the ideal fuser does no better than nothing: %+v", name, res)
		}
	}
}
