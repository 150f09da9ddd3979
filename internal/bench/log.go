// Package bench measures Truce as a whole system: it builds real data
// directories through the real store and domain projections and times the
// operations the issues set targets for. `truce bench` prints its results
// as JSON; BENCHMARKS.md keeps them.
package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

// LogResult is what BenchLog measured.
type LogResult struct {
	Changes              int64   `json:"changes"`
	Batch                int     `json:"batch"`
	Record               string  `json:"record"`
	AppendBatchPerSecond float64 `json:"append_batch_per_s"`
	AppendSinglePerSec   struct {
		Full   float64 `json:"synchronous_full"`
		Normal float64 `json:"synchronous_normal"`
	} `json:"append_single_per_s"`
	VerifySeconds      float64 `json:"verify_s"`
	VerifyPerSecond    float64 `json:"verify_per_s"`
	VerifyLogPerSecond float64 `json:"verify_log_pass_per_s"` // the pass over the log, before the tables are compared
	ProofMicros        struct {
		P50 float64 `json:"p50"`
		P99 float64 `json:"p99"`
		Max float64 `json:"max"`
	} `json:"inclusion_proof_us"`
	DatabaseBytes int64 `json:"database_bytes"`
}

// Progress reports how far a long benchmark has got.
type Progress func(stage string, done, total int64)

// placeBody returns a realistic record body: a place with names in three
// scripts, as the gazetteer holds them.
func placeBody(r *rand.Rand, i int64) geo.PlaceBody {
	return geo.PlaceBody{
		Kind: "settlement",
		Names: []geo.PlaceName{
			{Lang: "en", Name: fmt.Sprintf("Village %d", i)},
			{Lang: "ru", Name: fmt.Sprintf("Село %d", i)},
			{Lang: "hy", Name: fmt.Sprintf("Գյուղ %d", i)},
		},
		Location: geo.Point{Lat: 39 + r.Float64(), Lon: 46 + r.Float64()},
	}
}

// recordBody returns the entity, id prefix and body of the i-th change for
// a record kind: "organisation" is a light record (one projection row),
// "place" a heavier one (four rows, names folded and indexed for search).
func recordBody(kind string, r *rand.Rand, i int64) (string, string, any) {
	if kind == "place" {
		return "place", "plc", placeBody(r, i)
	}
	return "organisation", "org", agreement.OrganisationBody{Name: fmt.Sprintf("Media outlet %d", i), ShortName: fmt.Sprintf("M%d", i), Kind: "media", Country: "GE"}
}

// Log builds a log of n changes in dir (batches of batch changes per
// transaction), then measures single-change transactions, a full verify and
// inclusion proofs at that size.
func Log(ctx context.Context, dir string, n int64, batch int, record string, progress Progress) (LogResult, error) {
	if record != "organisation" && record != "place" {
		return LogResult{}, fmt.Errorf("record kind %q: want organisation or place", record)
	}
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	res := LogResult{Changes: n, Batch: batch, Record: record}
	r := rand.New(rand.NewPCG(1, 2))
	actor := store.Actor{User: "bench", Org: "org_bench", Via: "cli"}
	main := filepath.Join(dir, "log")
	a, err := app.Open(ctx, app.Config{Dir: main, Synchronous: "full"})
	if err != nil {
		return res, err
	}
	start := time.Now()
	for done := int64(0); done < n; {
		k := min(int64(batch), n-done)
		_, err := a.DB.Write(ctx, func(tx *store.Tx) error {
			for i := done; i < done+k; i++ {
				entity, prefix, body := recordBody(record, r, i)
				if _, err := tx.Record(store.Change{Entity: entity, ID: fmt.Sprintf("%s_%012d", prefix, i), Version: 1, Actor: actor, Body: body}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			a.Close()
			return res, err
		}
		done += k
		progress("append", done, n)
	}
	res.AppendBatchPerSecond = float64(n) / time.Since(start).Seconds()
	if err := a.DB.Checkpoint(ctx); err != nil {
		a.Close()
		return res, err
	}

	// Inclusion proofs at this size, for random leaves.
	size := a.DB.Size()
	var lat []float64
	for range 2000 {
		seq := r.Int64N(size)
		t0 := time.Now()
		if _, _, err := a.DB.InclusionProof(ctx, seq, size); err != nil {
			a.Close()
			return res, err
		}
		lat = append(lat, float64(time.Since(t0).Microseconds()))
	}
	sort.Float64s(lat)
	res.ProofMicros.P50, res.ProofMicros.P99, res.ProofMicros.Max = lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	if err := a.Close(); err != nil {
		return res, err
	}
	if fi, err := os.Stat(filepath.Join(main, store.DBFile)); err == nil {
		res.DatabaseBytes = fi.Size()
	}

	audit, err := app.OpenForAudit(ctx, main, "")
	if err != nil {
		return res, err
	}
	rep, err := audit.Verify(ctx, func(stage string, done, total int64) { progress("verify "+stage, done, total) })
	audit.Close()
	if err != nil {
		return res, err
	}
	if !rep.OK() {
		return res, fmt.Errorf("verify found %d problems in a fresh log: %v", len(rep.Problems), rep.Problems[0])
	}
	res.VerifySeconds = rep.Elapsed.Seconds()
	res.VerifyPerSecond = float64(rep.Changes) / rep.Elapsed.Seconds()
	res.VerifyLogPerSecond = float64(rep.Changes) / rep.LogElapsed.Seconds()

	// Single-change transactions, each committed on its own.
	for _, mode := range []string{"full", "normal"} {
		a, err := app.Open(ctx, app.Config{Dir: filepath.Join(dir, "single-"+mode), Synchronous: mode})
		if err != nil {
			return res, err
		}
		const singles = 2000
		t0 := time.Now()
		for i := int64(0); i < singles; i++ {
			_, err := a.DB.Write(ctx, func(tx *store.Tx) error {
				entity, prefix, body := recordBody(record, r, i)
				_, err := tx.Record(store.Change{Entity: entity, ID: fmt.Sprintf("%s_%012d", prefix, i), Version: 1, Actor: actor, Body: body})
				return err
			})
			if err != nil {
				a.Close()
				return res, err
			}
		}
		rate := singles / time.Since(t0).Seconds()
		if mode == "full" {
			res.AppendSinglePerSec.Full = rate
		} else {
			res.AppendSinglePerSec.Normal = rate
		}
		a.Close()
		progress("single "+mode, singles, singles)
	}
	return res, nil
}
