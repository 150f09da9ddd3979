package exchange

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/incident"
)

// ImportChunk is how many records an import checks against the database
// and writes in one transaction.
const ImportChunk = 1000

// MaxImportErrors is how many errors an import lists; beyond it they are
// counted in Refused only.
const MaxImportErrors = 1000

// ImportAllegations imports allegations read from r for p, through the
// incident service's rules (a liaison imports only in its own side's
// name). Each feature's external id is its external_id, or else its id
// (an export of another Truce): an allegation p's organisation already
// imported under that id is left alone when the file says the same, and
// refused when it says something else — a claim is not rewritten by a
// file; its lodger edits it in Truce, with its history. Every record is
// checked before any is written, unless opt.Partial: then the good ones
// are written and the bad ones counted in Refused. The error lists every
// bad feature (up to MaxImportErrors) by line or feature number and field.
func (s *Service) ImportAllegations(ctx context.Context, p access.Principal, r FeatureReader, opt ImportOptions) (ImportResult, error) {
	return runImport(ctx, r, opt, importer[incident.PreparedAllegation, incident.Allegation]{
		kind:     "allegations",
		required: []string{"category", "start"},
		prepare: func(f Feature, im incident.Imported) (incident.PreparedAllegation, error) {
			in, err := allegationInput(f)
			pa, perr := s.Incidents.PrepareAllegationImport(ctx, p, in, im)
			return pa, both(err, perr)
		},
		known: func(ids []string) (map[string]incident.Allegation, error) {
			return s.Incidents.ImportedAllegations(ctx, p, ids)
		},
		same: func(pa incident.PreparedAllegation, a incident.Allegation) bool { return pa.SameAs(a) },
		idOf: func(a incident.Allegation) string { return a.ID },
		check: func(items []incident.PreparedAllegation) ([]error, error) {
			return s.Incidents.CheckAllegationRefs(ctx, items)
		},
		write: func(items []incident.PreparedAllegation) error {
			_, err := s.Incidents.LodgeImportedAllegations(ctx, p, items)
			return err
		},
		writeAll: func(next func() ([]incident.PreparedAllegation, error)) (int, error) {
			return s.Incidents.LodgeAllImportedAllegations(ctx, p, next)
		},
		extOf:  func(pa incident.PreparedAllegation) string { return pa.ExternalID() },
		differ: "an allegation is a claim as lodged and an import does not rewrite it; its lodger may edit it in Truce, or give the new claim its own external_id",
	})
}

// ImportObservations imports observations read from r for p, as
// ImportAllegations does allegations; an observation is never rewritten
// by a file either.
func (s *Service) ImportObservations(ctx context.Context, p access.Principal, r FeatureReader, opt ImportOptions) (ImportResult, error) {
	return runImport(ctx, r, opt, importer[incident.PreparedObservation, incident.Observation]{
		kind:     "observations",
		required: []string{"observer_kind", "observer_lat", "observer_lon", "kind", "count", "perception", "start"},
		prepare: func(f Feature, im incident.Imported) (incident.PreparedObservation, error) {
			in, err := observationInput(f)
			po, perr := s.Incidents.PrepareObservationImport(ctx, p, in, im)
			return po, both(err, perr)
		},
		known: func(ids []string) (map[string]incident.Observation, error) {
			return s.Incidents.ImportedObservations(ctx, p, ids)
		},
		same: func(po incident.PreparedObservation, o incident.Observation) bool { return po.SameAs(o) },
		idOf: func(o incident.Observation) string { return o.ID },
		check: func(items []incident.PreparedObservation) ([]error, error) {
			return s.Incidents.CheckObservationRefs(ctx, items)
		},
		write: func(items []incident.PreparedObservation) error {
			_, err := s.Incidents.LodgeImportedObservations(ctx, p, items)
			return err
		},
		writeAll: func(next func() ([]incident.PreparedObservation, error)) (int, error) {
			return s.Incidents.LodgeAllImportedObservations(ctx, p, next)
		},
		extOf:  func(po incident.PreparedObservation) string { return po.ExternalID() },
		differ: "an observation is recorded once and an import does not rewrite it; give a new one its own external_id",
	})
}

// importer is what runImport needs of one kind: P a prepared record, R a
// stored one.
type importer[P, R any] struct {
	kind     string
	required []string // columns a file must have
	prepare  func(Feature, incident.Imported) (P, error)
	known    func(externalIDs []string) (map[string]R, error)
	same     func(P, R) bool
	idOf     func(R) string
	check    func([]P) ([]error, error)
	write    func([]P) error // one chunk in a transaction of its own (Partial)
	// writeAll writes every chunk next yields in one transaction.
	writeAll func(next func() ([]P, error)) (int, error)
	extOf    func(P) string
	differ   string
}

// unitOf names what a reader's feature numbers count: "line" or
// "feature".
func unitOf(r FeatureReader) string {
	if u, ok := r.(interface{ Unit() string }); ok {
		return u.Unit()
	}
	return "feature"
}

// importRun is one import's state.
type importRun struct {
	res    ImportResult
	errs   []*errs.Error
	unit   string
	opt    ImportOptions
	others int // errors beyond MaxImportErrors
}

// fail records bad feature n's error, its fields prefixed with where it is.
func (ir *importRun) fail(n int, err error) {
	ir.res.Refused++
	ir.add(n, err)
}

func (ir *importRun) add(n int, err error) {
	all := errs.All(err)
	if len(all) == 0 {
		all = []*errs.Error{{Code: errs.CodeInvalid, Message: errs.MessageOf(err)}}
	}
	where := fmt.Sprintf("%s %d", ir.unit, n)
	for _, e := range all {
		if len(ir.errs) >= MaxImportErrors {
			ir.others++
			continue
		}
		c := *e
		if c.Field == "" {
			c.Field = where
		} else if !hasWhere(c.Field) {
			c.Field = where + ": " + c.Field
		}
		ir.errs = append(ir.errs, &c)
	}
}

// hasWhere reports whether a field already names its line or feature, as
// readers' errors do.
func hasWhere(field string) bool {
	var n int
	var unit string
	k, _ := fmt.Sscanf(field, "%s %d", &unit, &n)
	return k == 2 && (unit == "line" || unit == "feature")
}

// whereOf is the line or feature number a field names.
func whereOf(field string) int {
	var n int
	var unit string
	fmt.Sscanf(field, "%s %d", &unit, &n)
	return n
}

func (ir *importRun) err() error {
	if len(ir.errs) == 0 {
		return nil
	}
	// Records that failed the database's checks are found a chunk later
	// than those that failed on their own: list them in file order.
	sort.SliceStable(ir.errs, func(i, j int) bool { return whereOf(ir.errs[i].Field) < whereOf(ir.errs[j].Field) })
	out := &errs.List{Errs: ir.errs}
	if ir.others > 0 {
		out.Errs = append(out.Errs, &errs.Error{Code: errs.CodeInvalid, Message: fmt.Sprintf("and %d more errors not listed", ir.others)})
	}
	return out
}

// pending is a prepared record waiting for its chunk's database checks.
type pending[P any] struct {
	n   int // its line or feature number
	rec P
}

// runImport reads every feature, checks it and, unless it is a dry run or
// something was refused without Partial, writes the new records in chunks.
// Checked records wait in a temporary file between the two passes, so
// memory stays flat whatever the file's size, except for the map of
// external ids seen (to name both lines of a duplicate).
func runImport[P, R any](ctx context.Context, r FeatureReader, opt ImportOptions, k importer[P, R]) (ImportResult, error) {
	ir := &importRun{unit: unitOf(r), opt: opt, res: ImportResult{DryRun: opt.DryRun}}
	spool, err := os.CreateTemp("", "truce-import-*.jsonl")
	if err != nil {
		return ir.res, fmt.Errorf("import %s: %w", k.kind, err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	out := bufio.NewWriterSize(spool, 1<<16)
	enc := json.NewEncoder(out)
	seen := make(map[string]int)
	var chunk []pending[P]
	// flush checks a chunk against the database: known external ids, the
	// organisations named; the records still new go to the spool.
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		ids := make([]string, len(chunk))
		for i, c := range chunk {
			ids[i] = k.extOf(c.rec)
		}
		known, err := k.known(ids)
		if err != nil {
			return err
		}
		fresh := chunk[:0]
		for _, c := range chunk {
			if have, ok := known[k.extOf(c.rec)]; ok {
				if k.same(c.rec, have) {
					ir.res.Unchanged++
				} else {
					ir.fail(c.n, errs.Conflict("external_id", "%q was imported before as %s and this %s differs from it: %s", k.extOf(c.rec), k.idOf(have), ir.unit, k.differ))
				}
				continue
			}
			fresh = append(fresh, c)
		}
		recs := make([]P, len(fresh))
		for i, c := range fresh {
			recs[i] = c.rec
		}
		refErrs, err := k.check(recs)
		if err != nil {
			return err
		}
		for i, c := range fresh {
			if refErrs[i] != nil {
				ir.fail(c.n, refErrs[i])
				continue
			}
			ir.res.Created++
			if err := enc.Encode(c.rec); err != nil {
				return fmt.Errorf("spool: %w", err)
			}
		}
		chunk = chunk[:0]
		return nil
	}
	// Features are read in order and prepared a batch at a time on every
	// core (the domain's checks and the point's geography are most of a
	// row's first pass); their errors and records are then taken in order.
	type read struct {
		f   Feature
		ext string
		pre error // the external id's own error
		rec P
		err error
	}
	batch := make([]read, 0, ImportChunk)
	workers := runtime.GOMAXPROCS(0)
	prepareBatch := func() error {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(batch); i += workers {
					b := &batch[i]
					b.rec, b.err = k.prepare(b.f, incident.Imported{ExternalID: b.ext, File: opt.File, SHA256: opt.SHA256})
				}
			}()
		}
		wg.Wait()
		for _, b := range batch {
			var c errs.Collector
			c.Add(b.pre)
			c.Add(b.err)
			if err := c.Err(); err != nil {
				ir.fail(b.f.Number, err)
				continue
			}
			chunk = append(chunk, pending[P]{n: b.f.Number, rec: b.rec})
		}
		batch = batch[:0]
		return flush()
	}
	headerChecked := false
	for {
		if err := ctx.Err(); err != nil {
			return ir.res, err
		}
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if len(errs.All(err)) == 0 {
				return ir.res, fmt.Errorf("import %s: %w", k.kind, err) // the file cannot be read on
			}
			ir.res.Read++
			ir.fail(0, err)
			continue
		}
		ir.res.Read++
		if !headerChecked {
			headerChecked = true
			if err := checkHeader(r, k.required); err != nil {
				ir.add(1, err)
				return ir.res, ir.err()
			}
		}
		if opt.Progress != nil && ir.res.Read%ImportChunk == 0 {
			opt.Progress(ir.res.Read)
		}
		b := read{f: f, ext: externalID(f)}
		if b.ext == "" {
			b.pre = errs.Because(errs.Invalid("external_id", "is required (or id): importing the same file twice must change nothing"), errs.ReasonRequired)
		} else if first, dup := seen[b.ext]; dup {
			b.pre = errs.Because(errs.Invalid("external_id", "%q is also on %s %d", b.ext, ir.unit, first), errs.ReasonDuplicate)
		} else {
			seen[b.ext] = f.Number
		}
		if batch = append(batch, b); len(batch) == ImportChunk {
			if err := prepareBatch(); err != nil {
				return ir.res, fmt.Errorf("import %s: %w", k.kind, err)
			}
		}
	}
	if err := prepareBatch(); err != nil {
		return ir.res, fmt.Errorf("import %s: %w", k.kind, err)
	}
	if err := flush(); err != nil {
		return ir.res, fmt.Errorf("import %s: %w", k.kind, err)
	}
	if opt.Progress != nil {
		opt.Progress(ir.res.Read)
	}
	if opt.DryRun || (ir.res.Refused > 0 && !opt.Partial) {
		if !opt.DryRun {
			ir.res.Created, ir.res.Unchanged = 0, 0 // nothing was written
		}
		return ir.res, ir.err()
	}
	if err := out.Flush(); err != nil {
		return ir.res, fmt.Errorf("import %s: spool: %w", k.kind, err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return ir.res, fmt.Errorf("import %s: spool: %w", k.kind, err)
	}
	if !opt.Partial {
		// All or nothing: one transaction for the whole file, so that a
		// failure while writing (the database, a cancellation) leaves
		// nothing of it either.
		written, err := k.writeAll(spoolChunks[P](ctx, spool, opt.Progress))
		if err != nil {
			ir.res.Created = 0
			return ir.res, fmt.Errorf("import %s: nothing was written: %w", k.kind, err)
		}
		ir.res.Created = written
		return ir.res, ir.err()
	}
	written, err := writeSpool(ctx, spool, k.write, opt.Progress)
	if err != nil {
		// With Partial the chunks before the failing one are in;
		// importing the file again adds the rest (they are known by
		// their external ids).
		ir.res.Created = written
		return ir.res, fmt.Errorf("import %s: after %d records written (import the file again to add the rest): %w", k.kind, written, err)
	}
	return ir.res, ir.err()
}

// spoolChunks returns a function that yields the spooled records
// ImportChunk at a time, then none, reporting progress after each chunk
// it hands out.
func spoolChunks[P any](ctx context.Context, spool io.Reader, progress func(int)) func() ([]P, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(spool, 1<<16))
	batch := make([]P, 0, ImportChunk)
	handed := 0
	return func() ([]P, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if handed > 0 && progress != nil {
			progress(handed) // the chunk handed out before is written
		}
		batch = batch[:0]
		for len(batch) < ImportChunk {
			var rec P
			if err := dec.Decode(&rec); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("spool: %w", err)
			}
			batch = append(batch, rec)
		}
		handed += len(batch)
		return batch, nil
	}
}

// writeSpool writes the spooled records in chunks of ImportChunk, one
// transaction each, and returns how many it wrote.
func writeSpool[P any](ctx context.Context, spool io.Reader, write func([]P) error, progress func(int)) (int, error) {
	next := spoolChunks[P](ctx, spool, nil)
	written := 0
	for {
		batch, err := next()
		if err != nil {
			return written, err
		}
		if len(batch) == 0 {
			return written, nil
		}
		if err := write(batch); err != nil {
			return written, err
		}
		written += len(batch)
		if progress != nil {
			progress(written)
		}
	}
}

// checkHeader checks, once, that a reader that knows its columns has
// every column a kind needs: a missing one is one error, not one a line.
func checkHeader(r FeatureReader, required []string) error {
	cr, ok := r.(interface{ Columns() []string })
	if !ok {
		return nil
	}
	have := map[string]bool{}
	for _, c := range cr.Columns() {
		have[c] = true
	}
	var c errs.Collector
	for _, name := range required {
		if !have[name] {
			c.Add(errs.Invalid(name, "the header has no such column, which every record needs"))
		}
	}
	if !have["external_id"] && !have["id"] {
		c.Add(errs.Invalid("external_id", "the header has neither external_id nor id: importing the same file twice must change nothing"))
	}
	return c.Err()
}

// externalID is a feature's id in its file: external_id, or else id.
func externalID(f Feature) string {
	for _, k := range []string{"external_id", "id"} {
		if v, ok := f.Props[k].(string); ok && v != "" {
			return v
		}
	}
	if v, ok := f.Props["external_id"].(int64); ok {
		return fmt.Sprint(v)
	}
	return ""
}

// both collects a row's mapping errors and the domain's, the domain's
// fields renamed to the columns they came from.
func both(mapping, domain error) error {
	var c errs.Collector
	c.Add(mapping)
	for _, e := range errs.All(domain) {
		r := *e
		r.Field = columnOf(r.Field)
		c.Add(&r)
	}
	if len(errs.All(domain)) == 0 {
		c.Add(domain)
	}
	return c.Err()
}

// domainFields maps the input's field paths to export columns.
var domainFields = []struct{ path, column string }{
	{"time.start", "start"}, {"time.end", "end"}, {"time.precision", "time_precision"},
	{"location.point.lat", "lat"}, {"location.point.lon", "lon"}, {"location.point", "lat"},
	{"location.precision", "location_precision"}, {"location.place_id", "place_id"},
	{"casualties.killed.civilians.best", "killed_civilians_best"}, {"casualties.killed.civilians.low", "killed_civilians_low"},
	{"casualties.killed.civilians.high", "killed_civilians_high"}, {"casualties.injured.civilians.best", "injured_civilians_best"},
	{"casualties.injured.civilians.low", "injured_civilians_low"}, {"casualties.injured.civilians.high", "injured_civilians_high"},
	{"casualties.killed.military", "killed_military_by_side"}, {"casualties.injured.military", "injured_military_by_side"},
	{"observer.position.lat", "observer_lat"}, {"observer.position.lon", "observer_lon"}, {"observer.position", "observer_lat"},
	{"observer.kind", "observer_kind"}, {"observer.site_id", "site_id"}, {"restricted_to", "classification"},
}

func columnOf(field string) string {
	for _, d := range domainFields {
		if field == d.path || strings.HasPrefix(field, d.path+".") || strings.HasPrefix(field, d.path+"[") {
			return d.column
		}
	}
	return field
}

// props reads a Feature's properties by column name, collecting type
// errors.
type props struct {
	m map[string]any
	c errs.Collector
}

func (p *props) text(name string) string {
	switch v := p.m[name].(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return fmt.Sprint(v)
	case float64:
		return fmt.Sprint(v)
	}
	p.c.Add(errs.Invalid(name, "must be text"))
	return ""
}

func (p *props) real(name string) *float64 {
	switch v := p.m[name].(type) {
	case nil:
		return nil
	case float64:
		return &v
	case int64:
		x := float64(v)
		return &x
	}
	p.c.Add(errs.Because(errs.Invalid(name, "must be a number"), errs.ReasonNotANumber))
	return nil
}

func (p *props) integer(name string) *int {
	switch v := p.m[name].(type) {
	case nil:
		return nil
	case int64:
		if v > math.MaxInt32 || v < math.MinInt32 {
			p.c.Add(errs.Invalid(name, "%d is out of range", v))
			return nil
		}
		n := int(v)
		return &n
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > math.MaxInt32 {
			p.c.Add(errs.Invalid(name, "must be a whole number"))
			return nil
		}
		n := int(v)
		return &n
	}
	p.c.Add(errs.Because(errs.Invalid(name, "must be a whole number"), errs.ReasonNotANumber))
	return nil
}

func (p *props) when(name string) string {
	switch v := p.m[name].(type) {
	case nil:
		return ""
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case string:
		return v // the domain parses it and names the field
	}
	p.c.Add(errs.Invalid(name, "must be a date and time"))
	return ""
}

// point reads a point from the feature's geometry or, without one, from
// the lat and lon columns; a latitude out of range with the longitude in
// it is named as the likely swap.
func (p *props) point(f Feature, latCol, lonCol string) *geo.Point {
	if f.Geom != nil && latCol == "lat" {
		if f.Geom.Type != geo.TypePoint || f.Geom.Point == nil {
			p.c.Add(errs.Invalid("geometry", "must be a Point, not %s", f.Geom.Type))
			return nil
		}
		pt := *f.Geom.Point
		return &pt
	}
	lat, lon := p.real(latCol), p.real(lonCol)
	if lat == nil && lon == nil {
		return nil
	}
	if lat == nil || lon == nil {
		p.c.Add(errs.Because(errs.Invalid(map[bool]string{true: latCol, false: lonCol}[lat == nil], "is required with %s", map[bool]string{true: lonCol, false: latCol}[lat == nil]), errs.ReasonRequired))
		return nil
	}
	if math.Abs(*lat) > 90 && math.Abs(*lon) <= 90 {
		p.c.Add(errs.Invalid(latCol, "%g is not a latitude; %s and %s look swapped", *lat, latCol, lonCol))
		return nil
	}
	return &geo.Point{Lat: *lat, Lon: *lon}
}

// timeInput reads start, end and time_precision. An export writes a day's
// end and an exact time's lack of one; the domain wants the end only for a
// window.
func (p *props) timeInput() incident.TimeInput {
	t := incident.TimeInput{Start: p.when("start"), End: p.when("end"), Precision: p.text("time_precision")}
	switch t.Precision {
	case incident.TimeDay:
		t.End = ""
		if s, ok := p.m["start"].(time.Time); ok {
			t.Start = s.UTC().Format(time.DateOnly)
		}
	case incident.TimeExact:
		t.End = ""
	}
	return t
}

func (p *props) estimate(prefix string) *incident.EstimateInput {
	best, low, high := p.integer(prefix+"_best"), p.integer(prefix+"_low"), p.integer(prefix+"_high")
	if best == nil && low == nil && high == nil {
		return nil
	}
	e := &incident.EstimateInput{Low: low, High: high}
	if best != nil {
		e.Best = *best
	}
	return e
}

// military reads a by-side JSON column.
func (p *props) military(name string, t *incident.TollInput) {
	v := p.text(name)
	if v == "" {
		return
	}
	var sides []struct {
		Side string `json:"side"`
		Best int    `json:"best"`
		Low  *int   `json:"low"`
		High *int   `json:"high"`
	}
	if err := json.Unmarshal([]byte(v), &sides); err != nil {
		p.c.Add(errs.Invalid(name, `must be JSON like [{"side":"org-id","best":1,"low":1,"high":2}]`))
		return
	}
	for _, s := range sides {
		t.Military = append(t.Military, struct {
			Side string `json:"side"`
			incident.EstimateInput
		}{Side: s.Side, EstimateInput: incident.EstimateInput{Best: s.Best, Low: s.Low, High: s.High}})
	}
}

// allegationInput maps an allegations row to the domain's input; the
// domain then checks it. Computed and name columns are ignored.
func allegationInput(f Feature) (incident.AllegationInput, error) {
	p := &props{m: f.Props}
	in := incident.AllegationInput{
		SourceKind:         p.text("source_kind"),
		LodgedBy:           p.text("lodged_by"),
		OnBehalfOf:         p.text("on_behalf_of"),
		AllegedPerpetrator: p.text("alleged_perpetrator"),
		Category:           p.text("category"),
		Time:               p.timeInput(),
		Narrative:          p.text("narrative"),
		Reliability:        p.text("reliability"),
		ReportedAt:         p.when("reported_at"),
	}
	in.Location = incident.LocationInput{Point: p.point(f, "lat", "lon"), Precision: p.text("location_precision"), PlaceID: p.text("place_id")}
	if c := p.integer("credibility"); c != nil {
		in.Credibility = *c
	}
	var cas incident.CasualtiesInput
	cas.Killed.Civilians = p.estimate("killed_civilians")
	cas.Injured.Civilians = p.estimate("injured_civilians")
	p.military("killed_military_by_side", &cas.Killed)
	p.military("injured_military_by_side", &cas.Injured)
	if cas.Killed.Civilians != nil || cas.Injured.Civilians != nil || len(cas.Killed.Military) > 0 || len(cas.Injured.Military) > 0 {
		in.Casualties = &cas
	}
	in.LabelInput = access.LabelInput{Classification: p.text("classification")}
	return in, p.c.Err()
}

// observationInput maps an observations row to the domain's input.
func observationInput(f Feature) (incident.ObservationInput, error) {
	p := &props{m: f.Props}
	in := incident.ObservationInput{
		Observer:    incident.Observer{Kind: p.text("observer_kind"), SiteID: p.text("site_id")},
		Kind:        p.text("kind"),
		Perception:  p.text("perception"),
		BearingFrom: p.real("bearing_from"),
		BearingTo:   p.real("bearing_to"),
		Time:        p.timeInput(),
		Note:        p.text("note"),
	}
	if pt := p.point(f, "observer_lat", "observer_lon"); pt != nil {
		in.Observer.Position = *pt
	}
	if n := p.integer("count"); n != nil {
		in.Count = *n
	}
	if d := p.real("distance_min_m"); d != nil {
		in.DistanceMinM = *d
	}
	if d := p.real("distance_max_m"); d != nil {
		in.DistanceMaxM = *d
	}
	in.LabelInput = access.LabelInput{Classification: p.text("classification")}
	return in, p.c.Err()
}

// Import kinds: what `truce import` and POST /api/v1/import/{kind} take.
var ImportKinds = []string{TableAllegations, TableObservations, KindLayers, TablePlaces}

// GuessFormat guesses an import file's format from its name; "" when the
// extension says nothing (a CSV may be Truce's own or ACLED's: csv is
// guessed, --format acled says otherwise).
func GuessFormat(name string) string {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".csv":
		return FormatCSV
	case ".geojson", ".json":
		return FormatGeoJSON
	case ".jsonl", ".ndjson":
		return FormatStream
	case ".kml", ".kmz":
		return FormatKML
	case ".gpkg":
		return FormatGeoPackage
	}
	return ""
}

func formatOrNone(format string) string {
	if format == "" {
		return "a file of unknown format"
	}
	return format
}

// Import imports a file of kind for p: allegations, observations, layers
// or places.
func (s *Service) Import(ctx context.Context, p access.Principal, kind string, r FeatureReader, opt ImportOptions) (ImportResult, error) {
	switch kind {
	case TableAllegations:
		return s.ImportAllegations(ctx, p, r, opt)
	case TableObservations:
		return s.ImportObservations(ctx, p, r, opt)
	case KindLayers:
		return s.ImportLayers(ctx, p, r, opt)
	case TablePlaces:
		return s.ImportPlaces(ctx, p, r, opt)
	}
	return ImportResult{}, errs.Invalid("kind", "%q cannot be imported: use %s", kind, strings.Join(ImportKinds, ", "))
}
