package simulate

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestSameSeedSameBytes(t *testing.T) {
	var a, b, c bytes.Buffer
	cfg := Config{Seed: 7, Events: 2000, Days: 30}
	if err := Write(&a, cfg); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, cfg); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("same seed, different bytes")
	}
	cfg.Seed = 8
	if err := Write(&c, cfg); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("different seeds, same bytes")
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Config{Seed: 1, Events: 3000, Days: 20}); err != nil {
		t.Fatal(err)
	}
	h, reports, truth, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if h.Reports != len(reports) || len(truth) != len(reports) || !h.Truth {
		t.Fatalf("header %+v, %d reports, %d truth", h, len(reports), len(truth))
	}
	ratio := float64(len(reports)) / 3000
	if ratio < 1.4 || ratio > 2.2 {
		t.Errorf("%.2f reports per event, want about 1.6–2", ratio)
	}
	kinds := map[string]int{}
	for _, r := range reports {
		kinds[string(r.Kind)]++
	}
	for _, k := range []string{"allegation", "observation", "media"} {
		if kinds[k] == 0 {
			t.Errorf("no %s in the stream", k)
		}
	}
	// Reading and writing again gives the same bytes.
	lines := make([]Line, len(reports))
	for i := range reports {
		lines[i] = Line{Report: reports[i], TrueEvent: truth[i]}
	}
	var again bytes.Buffer
	if err := WriteStream(&again, h, lines); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("write(read(stream)) differs from stream")
	}
}

const header = `{"format":"truce-fusion-stream","version":1,"source":"test","truth":true,"reports":1}`
const good = `{"id":"r1","kind":"allegation","source":"side_a","perpetrator":"side_b","category":"shelling","place_precision":"exact","lat":39.9,"lon":46.8,"radius_m":1000,"start":"2021-01-01T10:00:00Z","end":"2021-01-01T10:30:00Z","time_precision":"exact","true_event":"e1"}`

func TestReadRejectsBadLines(t *testing.T) {
	tests := []struct {
		name, stream string
		wantLine     string
		wantField    string
	}{
		{"empty", "", "line 1", "header"},
		{"not a stream", `{"format":"other","version":1}`, "line 1", "format"},
		{"unknown header field", `{"format":"truce-fusion-stream","version":1,"colour":"red"}`, "line 1", "colour"},
		{"unknown report field", header + "\n" + strings.Replace(good, `"id"`, `"colour":1,"id"`, 1), "line 2", "colour"},
		{"wrong type", header + "\n" + strings.Replace(good, `"lat":39.9`, `"lat":"north"`, 1), "line 2", "lat"},
		{"latitude out of range", header + "\n" + strings.Replace(good, `"lat":39.9`, `"lat":91`, 1), "line 2", "lat"},
		{"bad kind", header + "\n" + strings.Replace(good, `"allegation"`, `"rumour"`, 1), "line 2", "kind"},
		{"end before start", header + "\n" + strings.Replace(good, `10:30`, `09:30`, 1), "line 2", "end"},
		{"no truth", header + "\n" + strings.Replace(good, `,"true_event":"e1"`, ``, 1), "line 2", "true_event"},
		{"trailing data", header + "\n" + good + `{}`, "line 2", ""},
		{"bad time", header + "\n" + strings.Replace(good, `2021-01-01T10:00:00Z`, `yesterday`, 1), "line 2", ""},
		{"observation without observer", header + "\n" + strings.Replace(good, `"allegation"`, `"observation"`, 1), "line 2", "observer"},
		{"count mismatch", strings.Replace(header, `"reports":1`, `"reports":2`, 1) + "\n" + good, "", "reports"},
		{"duplicate id", strings.Replace(header, `"reports":1`, `"reports":2`, 1) + "\n" + good + "\n" + good, "line 3", "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := Read(strings.NewReader(tt.stream))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), tt.wantLine) {
				t.Errorf("error %q does not start with %q", err, tt.wantLine)
			}
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %q carries no *errs.Error", err)
			}
			if tt.wantField != "" && e.Field != tt.wantField {
				t.Errorf("field %q, want %q (%v)", e.Field, tt.wantField, err)
			}
		})
	}
	if _, _, _, err := Read(strings.NewReader(header + "\n" + good + "\n")); err != nil {
		t.Errorf("good stream: %v", err)
	}
}

func TestConfigRejected(t *testing.T) {
	for _, cfg := range []Config{{Events: -1}, {Days: -3}, {LineKm: 5}} {
		if _, err := Generate(cfg); errs.CodeOf(err) != errs.CodeInvalid {
			t.Errorf("%+v: err %v, want invalid", cfg, err)
		}
	}
}

func FuzzDecodeLine(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(`{"id":"o","kind":"observation","source":"m","category":"shelling","place_precision":"sector","lat":39.9,"lon":46.8,"radius_m":900,"observer":{"lat":39.9,"lon":46.79,"bearing_from_deg":80,"bearing_to_deg":100,"min_m":500,"max_m":2000,"mode":"seen"},"start":"2021-01-01T10:00:00Z","end":"2021-01-01T10:10:00Z","time_precision":"exact"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := DecodeLine(b)
		if err != nil {
			if errs.CodeOf(err) != errs.CodeInvalid {
				t.Fatalf("error %v has code %s, want invalid", err, errs.CodeOf(err))
			}
			return
		}
		var buf bytes.Buffer
		if err := WriteStream(&buf, Header{Format: Format, Version: Version}, []Line{l}); err != nil {
			t.Fatal(err)
		}
		out := bytes.SplitN(buf.Bytes(), []byte("\n"), 3)[1]
		l2, err := DecodeLine(out)
		if err != nil {
			t.Fatalf("re-encoded line %s does not decode: %v", out, err)
		}
		if !l2.Start.Equal(l.Start) || !l2.End.Equal(l.End) || l2.ID != l.ID || l2.Lat != l.Lat || l2.Kind != l.Kind {
			t.Fatalf("round trip changed the report: %+v -> %+v", l, l2)
		}
	})
}
