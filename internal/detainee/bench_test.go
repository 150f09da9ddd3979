package detainee

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/store"
)

// eventsPerPerson is the history length of every benchmark person: the
// capture and nine later events, so 100,000 persons carry 1,000,000 events.
const eventsPerPerson = 10

var (
	benchOnce sync.Once
	benchEnv  *benchRegistry
	benchErr  error
)

type benchRegistry struct {
	db      *store.DB
	s       *Service
	ids     []string
	a, b    string
	who     access.Principal
	persons int
	// exchanged counts the persons the exchange benchmark added.
	exchanged int
}

// benchStart is when the benchmark's captures begin.
var benchStart = time.Date(2020, 9, 27, 0, 0, 0, 0, time.UTC)

// openBenchRegistry registers (once per process) TRUCE_BENCH_DETAINEES
// persons (default 10,000) through RegisterPersons, 2,000 to a
// transaction, each with ten events. At full size:
//
//	TRUCE_BENCH_DETAINEES=100000 go test ./internal/detainee/ -run '^$' -bench . -benchtime 2000x -timeout 1h
func openBenchRegistry(b *testing.B) *benchRegistry {
	benchOnce.Do(func() {
		n := 10_000
		if v := os.Getenv("TRUCE_BENCH_DETAINEES"); v != "" {
			n, _ = strconv.Atoi(v)
		}
		dir, err := os.MkdirTemp("", "truce-detainee-bench-")
		if err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		db, err := store.Open(ctx, dir, store.WithSynchronous("normal"))
		if err != nil {
			benchErr = err
			return
		}
		ag := agreement.New(db)
		e := &benchRegistry{db: db, s: New(db, WithClock(func() time.Time { return time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC) })), persons: n}
		for _, name := range []string{"Side A", "Side B"} {
			o, err := ag.CreateOrganisation(ctx, access.System, agreement.OrganisationInput{Name: name, ShortName: name, Kind: "side"})
			if err != nil {
				benchErr = err
				return
			}
			if e.a == "" {
				e.a = o.ID
			} else {
				e.b = o.ID
			}
		}
		if _, err := ag.CreateAgreement(ctx, access.System, agreement.AgreementInput{Title: "Ceasefire", SignedAt: "2020-11-09T00:00:00Z",
			InForceAt: "2020-11-09T21:00:00Z", Signatories: []string{e.a, e.b}, Parties: []string{e.a, e.b}}); err != nil {
			benchErr = err
			return
		}
		e.who = access.Principal{UserID: "u_bench", Org: "org_icrc", Roles: []access.Role{access.Humanitarian}, Via: "cli"}
		rng := rand.New(rand.NewPCG(3, 4))
		t0 := time.Now()
		for done := 0; done < n && benchErr == nil; done += 2000 {
			batch := make([]PersonInput, 0, 2000)
			for i := done; i < min(done+2000, n); i++ {
				batch = append(batch, e.person(i, rng))
			}
			var ps []Person
			ps, benchErr = e.s.RegisterPersons(ctx, e.who, batch)
			for _, p := range ps {
				e.ids = append(e.ids, p.ID)
			}
		}
		if benchErr == nil {
			fmt.Fprintf(os.Stderr, "registered %d persons with %d events in %v\n", n, n*eventsPerPerson, time.Since(t0).Round(time.Millisecond))
		}
		benchEnv = e
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchEnv
}

// person makes the i-th benchmark person: captured over 2020–2021 by either
// side, with registration, visits, a stay in hospital, consent, and for one
// in three a release or a repatriation at the end.
func (e *benchRegistry) person(i int, rng *rand.Rand) PersonInput {
	held, nat := e.a, e.b
	if i%3 == 0 {
		held, nat = e.b, e.a
	}
	at := benchStart.Add(time.Duration(rng.Int64N(int64(400 * 24 * time.Hour)))).Truncate(time.Second)
	step := func(days int) string {
		at = at.Add(time.Duration(days) * 24 * time.Hour)
		return at.Format(time.RFC3339)
	}
	in := PersonInput{
		Identity: Identity{Surname: fmt.Sprintf("Bench-%07d", i), FirstNames: "Fictitious Person", Rank: "private", DateOfBirth: "1995-05-05",
			ServiceNumber: fmt.Sprintf("B%07d", i), FatherFirstName: "Father", MotherMaidenName: "Mother", PersonToInform: "Relative",
			PersonToInformAddress: "An illustrative address, 1", CorrespondenceAddress: "An illustrative address, 2"},
		Category: Categories[i%len(Categories)], HeldBy: held, Nationality: nat, CapturedAt: at.Format(time.RFC3339),
	}
	in.Events = []EventInput{{Kind: "registered", At: step(1)}}
	for range 4 {
		in.Events = append(in.Events, EventInput{Kind: "visited", By: e.a, At: step(10 + rng.IntN(20))})
	}
	in.Events = append(in.Events, EventInput{Kind: "hospitalised", At: step(5)}, EventInput{Kind: "discharged", At: step(3 + rng.IntN(10))},
		EventInput{Kind: "consent_confirmed", At: step(5)})
	switch i % 3 {
	case 0:
		in.Events = append(in.Events, EventInput{Kind: "released", At: step(10)})
	case 1:
		in.Events = append(in.Events, EventInput{Kind: "repatriated", At: step(10)})
	default:
		in.Events = append(in.Events, EventInput{Kind: "registered", At: step(10)})
	}
	return in
}

// percentiles reports the median and the 99th percentile of the timed
// operations, and the median process CPU time of one (user + system): on
// a shared machine wall time also counts the waits for a core.
func percentiles(b *testing.B, d, cpu []time.Duration) {
	slices.Sort(d)
	slices.Sort(cpu)
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(cpu[len(cpu)/2].Microseconds()), "cpu-p50-µs")
}

// cpuTime is the process's CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timer measures one operation's wall and CPU time.
type timer struct {
	wall, cpu []time.Duration
	t0        time.Time
	c0        time.Duration
}

func (t *timer) start() { t.t0, t.c0 = time.Now(), cpuTime() }
func (t *timer) stop() {
	t.wall = append(t.wall, time.Since(t.t0))
	t.cpu = append(t.cpu, cpuTime()-t.c0)
}

// opsPerIteration is how many reads one iteration of the read benchmarks
// times, so that -benchtime 20x gives the exchange benchmark 20 runs and
// the reads 1,000 samples each; their ns/op is for 50 reads.
const opsPerIteration = 50

// BenchmarkPersonStatus reads one person's current status (the projection
// row).
func BenchmarkPersonStatus(b *testing.B) {
	e := openBenchRegistry(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	var tm timer
	b.ResetTimer()
	for b.Loop() {
		for range opsPerIteration {
			tm.start()
			if _, _, err := e.s.Status(ctx, e.who, e.ids[rng.IntN(len(e.ids))]); err != nil {
				b.Fatal(err)
			}
			tm.stop()
		}
	}
	percentiles(b, tm.wall, tm.cpu)
}

// BenchmarkGetPerson reads one person's whole record (body with its ten
// events), as the API serves it.
func BenchmarkGetPerson(b *testing.B) {
	e := openBenchRegistry(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 8))
	var tm timer
	b.ResetTimer()
	for b.Loop() {
		for range opsPerIteration {
			tm.start()
			if _, err := e.s.GetPerson(ctx, e.who, e.ids[rng.IntN(len(e.ids))]); err != nil {
				b.Fatal(err)
			}
			tm.stop()
		}
	}
	percentiles(b, tm.wall, tm.cpu)
}

// BenchmarkCounts counts persons by status and sides at a random time
// over the registry's 18 months.
func BenchmarkCounts(b *testing.B) {
	e := openBenchRegistry(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 10))
	var tm timer
	b.ResetTimer()
	for b.Loop() {
		for range opsPerIteration {
			at := benchStart.Add(time.Duration(rng.Int64N(int64(540 * 24 * time.Hour))))
			tm.start()
			c, err := e.s.Counts(ctx, e.who, at)
			tm.stop()
			if err != nil {
				b.Fatal(err)
			}
			if c.Total > e.persons+e.exchanged {
				b.Fatalf("counted %d of %d persons", c.Total, e.persons)
			}
		}
	}
	percentiles(b, tm.wall, tm.cpu)
}

// BenchmarkExchange1000 applies an exchange of 1,000 persons (each read,
// checked and given a new version, and the exchange recorded) in one
// transaction. The persons are registered outside the timer.
func BenchmarkExchange1000(b *testing.B) {
	e := openBenchRegistry(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(11, 12))
	var tm timer
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		batch := make([]PersonInput, 1000)
		for j := range batch {
			in := e.person(2, rng) // held by side A, consent confirmed, still held
			in.CapturedAt = "2021-01-01T00:00:00Z"
			in.Events = []EventInput{{Kind: "registered", At: "2021-01-02T00:00:00Z"}, {Kind: "consent_confirmed", At: "2021-01-03T00:00:00Z"}}
			batch[j] = in
		}
		ps, err := e.s.RegisterPersons(ctx, e.who, batch)
		if err != nil {
			b.Fatal(err)
		}
		e.exchanged += len(ps)
		ids := make([]string, len(ps))
		for j, p := range ps {
			ids[j] = p.ID
		}
		b.StartTimer()
		tm.start()
		if _, err := e.s.RecordExchange(ctx, e.who, ExchangeInput{At: "2021-06-12T12:00:00Z", Moves: []MoveInput{{FromSide: e.a, ToSide: e.b, Persons: ids}}}); err != nil {
			b.Fatal(err)
		}
		tm.stop()
	}
	percentiles(b, tm.wall, tm.cpu)
}

// TestMain removes the benchmark registry's data directory, which at full
// size holds about a gigabyte.
func TestMain(m *testing.M) {
	code := pgtest.Main(m) // on SQLite, then on PostgreSQL
	if benchEnv != nil {
		dir := benchEnv.db.Dir()
		benchEnv.db.Close()
		os.RemoveAll(dir)
	}
	os.Exit(code)
}
