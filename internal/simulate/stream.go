package simulate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
)

// Format names the stream format in its header.
const Format = "truce-fusion-stream"

// Version is the stream format version this package reads and writes.
const Version = 1

// MaxLineBytes is the longest line Read accepts.
const MaxLineBytes = 64 << 10

// Header is the first line of a stream: what made it and how.
type Header struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Source  string    `json:"source"`            // what produced the stream, e.g. "truce simulate"
	Truth   bool      `json:"truth"`             // every report carries true_event
	Reports int       `json:"reports"`           // number of report lines that follow
	Seed    int64     `json:"seed,omitempty"`    // generator settings, when generated
	Events  int       `json:"events,omitempty"`  //
	Days    int       `json:"days,omitempty"`    //
	LineKm  float64   `json:"line_km,omitempty"` //
	Start   time.Time `json:"start,omitzero"`    //
}

// Line is one report line: the report and, in a stream with ground truth,
// the ID of the real event it is about.
type Line struct {
	fusion.Report
	TrueEvent string `json:"true_event,omitempty"`
}

// Write generates the stream cfg describes and writes it to w as JSON
// Lines: a header, then one report per line.
func Write(w io.Writer, cfg Config) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	gens, err := Generate(cfg)
	if err != nil {
		return err
	}
	h := Header{Format: Format, Version: Version, Source: "truce simulate", Truth: true, Reports: len(gens),
		Seed: cfg.Seed, Events: cfg.Events, Days: cfg.Days, LineKm: cfg.LineKm, Start: cfg.Start}
	lines := make([]Line, len(gens))
	for i, g := range gens {
		lines[i] = Line{Report: g.Report, TrueEvent: g.TrueEvent}
	}
	return WriteStream(w, h, lines)
}

// WriteStream writes h and lines to w. h.Reports is set to len(lines).
func WriteStream(w io.Writer, h Header, lines []Line) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	h.Reports = len(lines)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	for i := range lines {
		l := lines[i]
		l.Start, l.End = l.Start.UTC(), l.End.UTC()
		if err := enc.Encode(l); err != nil {
			return fmt.Errorf("write report %d: %w", i+1, err)
		}
	}
	return bw.Flush()
}

// Read reads a stream: its header, its reports, and the true event of each
// report (nil when the header says the stream has no truth). Errors name
// the line (1 is the header) and the field.
func Read(r io.Reader) (Header, []fusion.Report, []string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), MaxLineBytes)
	var h Header
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return h, nil, nil, fmt.Errorf("line 1: %w", err)
		}
		return h, nil, nil, fmt.Errorf("line 1: %w", errs.Invalid("header", "the stream is empty; it must start with a header"))
	}
	if err := strict(sc.Bytes(), &h); err != nil {
		return h, nil, nil, fmt.Errorf("line 1 (header): %w", err)
	}
	if h.Format != Format {
		return h, nil, nil, fmt.Errorf("line 1 (header): %w", errs.Invalid("format", "format must be %q, got %q", Format, h.Format))
	}
	if h.Version != Version {
		return h, nil, nil, fmt.Errorf("line 1 (header): %w", errs.Invalid("version", "version %d is not supported (want %d)", h.Version, Version))
	}
	if h.Reports < 0 {
		return h, nil, nil, fmt.Errorf("line 1 (header): %w", errs.Invalid("reports", "reports must not be negative"))
	}
	reports := make([]fusion.Report, 0, min(h.Reports, 1<<24))
	var truth []string
	if h.Truth {
		truth = make([]string, 0, cap(reports))
	}
	seen := make(map[string]int, cap(reports))
	n := 1
	for sc.Scan() {
		n++
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		l, err := DecodeLine(b)
		if err != nil {
			return h, nil, nil, fmt.Errorf("line %d: %w", n, err)
		}
		if first, dup := seen[l.ID]; dup {
			return h, nil, nil, fmt.Errorf("line %d: %w", n, errs.Conflict("id", "report id %q was already used on line %d", l.ID, first))
		}
		seen[l.ID] = n
		switch {
		case h.Truth && l.TrueEvent == "":
			return h, nil, nil, fmt.Errorf("line %d: %w", n, errs.Invalid("true_event", "the header promises ground truth but this report has no true_event"))
		case !h.Truth && l.TrueEvent != "":
			return h, nil, nil, fmt.Errorf("line %d: %w", n, errs.Invalid("true_event", "the header says there is no ground truth"))
		}
		reports = append(reports, l.Report)
		if h.Truth {
			truth = append(truth, l.TrueEvent)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return h, nil, nil, fmt.Errorf("line %d: %w", n+1, errs.TooLarge("line", "longer than %d bytes", MaxLineBytes))
		}
		return h, nil, nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	if len(reports) != h.Reports {
		return h, nil, nil, errs.Invalid("reports", "the header announces %d reports but the stream holds %d", h.Reports, len(reports))
	}
	return h, reports, truth, nil
}

// DecodeLine decodes and validates one report line. Unknown fields,
// trailing data and invalid values are errors naming the field.
func DecodeLine(b []byte) (Line, error) {
	var l Line
	if err := strict(b, &l); err != nil {
		return Line{}, err
	}
	if err := l.Validate(); err != nil {
		return Line{}, err
	}
	return l, nil
}

// strict decodes one JSON object into v, rejecting unknown fields and
// anything after the object, and turns decoding errors into *errs.Error.
func strict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errs.Invalid("", "unexpected data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.Invalid("", "unexpected data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var pe *time.ParseError
	switch {
	case errors.As(err, &te):
		f := strings.TrimPrefix(te.Field, "Report.")
		return errs.Invalid(f, "expected %s, got JSON %s", te.Type, te.Value)
	case errors.As(err, &se):
		return errs.Invalid("", "malformed JSON at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &pe):
		return errs.Invalid("", "a time must be RFC 3339, e.g. 2021-03-04T05:06:07Z: %s", pe.Error())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Invalid(f, "unknown field %q", f)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Invalid("", "incomplete JSON object")
	}
	return errs.Invalid("", "%s", err.Error())
}
