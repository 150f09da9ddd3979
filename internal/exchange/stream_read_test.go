package exchange

import (
	"context"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/incident"
)

const testStream = `{"format":"truce-fusion-stream","version":1,"source":"test","truth":true,"reports":3}
{"id":"r1","kind":"allegation","source":"side-b","perpetrator":"side-a","category":"shelling","place":"village-0112","place_precision":"near","lat":39.7101,"lon":46.9012,"radius_m":10000,"start":"2021-03-04T21:00:00Z","end":"2021-03-04T23:00:00Z","time_precision":"window","true_event":"e1"}
{"id":"r2","kind":"observation","source":"monitor-07","perpetrator":"unknown","category":"shelling","place_precision":"sector","lat":39.7,"lon":46.93,"radius_m":2500,"observer":{"lat":39.69,"lon":46.9,"bearing_from_deg":40,"bearing_to_deg":70,"min_m":1500,"max_m":5400,"mode":"heard"},"start":"2021-03-04T21:37:00Z","end":"2021-03-04T21:47:00Z","time_precision":"exact","true_event":"e1"}

{"id":"r3","kind":"allegation","source":"side-b","perpetrator":"side-a","category":"small_arms","place_precision":"district","lat":39.8,"lon":46.8,"radius_m":30000,"start":"2021-03-05T00:00:00Z","end":"2021-03-05T23:59:59Z","time_precision":"day","true_event":"e2"}
`

func (f *fixture) importStream(t *testing.T, kind, data string, opt ImportOptions) (ImportResult, error) {
	t.Helper()
	data = strings.NewReplacer("side-a", f.sideA, "side-b", f.sideB).Replace(data)
	opt.File, opt.SHA256 = "stream.jsonl", sum(data)
	r := NewStreamReader(strings.NewReader(data), kind)
	if kind == TableObservations {
		return f.s.ImportObservations(context.Background(), f.monitor, r, opt)
	}
	return f.s.ImportAllegations(context.Background(), f.liaisonB, r, opt)
}

func TestImportStream(t *testing.T) {
	f := newFixture(t)
	for _, kind := range []string{TableAllegations, TableObservations} {
		want := map[string]int{TableAllegations: 2, TableObservations: 1}[kind]
		res, err := f.importStream(t, kind, testStream, ImportOptions{})
		if err != nil || res != (ImportResult{Read: want, Created: want}) {
			t.Fatalf("%s: %+v, %v", kind, res, err)
		}
		res, err = f.importStream(t, kind, testStream, ImportOptions{})
		if err != nil || res != (ImportResult{Read: want, Unchanged: want}) {
			t.Fatalf("%s again: %+v, %v", kind, res, err)
		}
	}
	if a, o := f.count(t, incident.EntityAllegation), f.count(t, incident.EntityObservation); a != 2 || o != 1 {
		t.Errorf("%d allegations, %d observations", a, o)
	}
}

func TestStreamReaderRejects(t *testing.T) {
	for name, c := range map[string]struct{ data, field string }{
		"empty":         {"", "line 1: header"},
		"not a stream":  {`{"format":"other","version":1,"source":"x","truth":false,"reports":0}` + "\n", "line 1: format"},
		"truncated":     {strings.SplitAfter(testStream, "\n")[0] + strings.SplitAfter(testStream, "\n")[1], "line 2: reports"},
		"bad latitude":  {strings.Replace(testStream, `"lat":39.7101`, `"lat":91`, 1), "line 2: lat"},
		"unknown field": {strings.Replace(testStream, `"id":"r1",`, `"id":"r1","colour":"red",`, 1), "line 2: colour"},
	} {
		t.Run(name, func(t *testing.T) {
			r := NewStreamReader(strings.NewReader(c.data), TableAllegations)
			var err error
			for err == nil {
				_, err = r.Next()
			}
			wantFields(t, err, c.field)
		})
	}
}
