package witnessclient

import (
	"fmt"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/store"
)

// BenchmarkWrites measures the change log's write throughput — one
// change a transaction, durable (synchronous full on SQLite), the
// checkpointer signing after each burst as in a server — without
// witnesses and with two real witnesses on loopback that are sent every
// checkpoint. Run with -benchtime of several seconds so that each run
// spans many checkpoints (one a second):
//
//	go test -run '^$' -bench Writes -benchtime 10s -count 5 ./internal/witnessclient/
func BenchmarkWrites(b *testing.B) {
	for _, witnesses := range []int{0, 2} {
		b.Run(fmt.Sprintf("witnesses=%d", witnesses), func(b *testing.B) {
			dir := b.TempDir()
			db, err := store.Open(ctx, dir)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			orgs := agreement.New(db)
			var s *Service
			if witnesses > 0 {
				var ws []Witness
				for i := range witnesses {
					w, stop := startBenchWitness(b, fmt.Sprintf("witness.%d", i), db)
					defer stop()
					ws = append(ws, w)
				}
				if s, err = New(ctx, db, Config{Witnesses: ws}); err != nil {
					b.Fatal(err)
				}
				s.Start()
				defer s.Close(ctx)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := orgs.CreateOrganisation(ctx, access.System, agreement.OrganisationInput{
					Name: fmt.Sprintf("Organisation %d", i), ShortName: fmt.Sprintf("O%d", i), Kind: agreement.KindGuarantor, Country: "RU"}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if s != nil {
				st := s.statuses()
				b.ReportMetric(float64(st[0].CosignedSize), "cosigned-size")
			}
		})
	}
}
