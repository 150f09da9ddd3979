package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/simulate"
)

// benchScore scores a clustering made by another tool (for instance the
// PostGIS baseline of scripts/postgis-baseline) against a stream's ground
// truth, with the scorer of truce bench fusion.
func benchScore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench score", "bench score --in STREAM --assign FILE")
	in := fs.String("in", "", "the stream, with true_event (docs/stream-format.md)")
	assignFile := fs.String("assign", "", "the clustering: one id,cluster a line (empty cluster: alone; unlisted reports: alone)")
	if err := parse(fs, e, args); err != nil {
		return err
	}
	if *in == "" || *assignFile == "" {
		return fmt.Errorf("--in and --assign are required")
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	h, reports, truth, err := simulate.Read(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("--in %s: %w", *in, err)
	}
	if !h.Truth {
		return fmt.Errorf("--in %s: the stream has no ground truth (header truth is false)", *in)
	}
	ids := make([]string, len(reports))
	for i, r := range reports {
		ids[i] = r.ID
	}
	a, err := os.Open(*assignFile)
	if err != nil {
		return err
	}
	defer a.Close()
	assign, unlisted, err := simulate.ReadAssignments(bufio.NewReaderSize(a, 1<<20), ids)
	if err != nil {
		return fmt.Errorf("--assign %s: %w", *assignFile, err)
	}
	m, err := fusion.Evaluate(assign, truth)
	if err != nil {
		return err
	}
	events, groups := map[string]struct{}{}, map[int]struct{}{}
	for i := range truth {
		events[truth[i]] = struct{}{}
		groups[assign[i]] = struct{}{}
	}
	res := struct {
		Reports   int `json:"reports"`
		Events    int `json:"events"`
		Incidents int `json:"incidents"`
		Unlisted  int `json:"unlisted"`
		fusion.Metrics
	}{len(reports), len(events), len(groups), unlisted, m}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
