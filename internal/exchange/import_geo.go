package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// Imports of layers and places. Every feature is read and checked before
// anything is written; then all of them are written in one transaction
// through the geography service, as the importer, each change carrying
// the file's name and SHA-256. A feature whose external_id matches a
// record the importer may read updates it, or leaves it when nothing
// differs; one without an external id is always new.
//
// Properties are read by the export's column names (tables.go): for
// layers kind, subkind, name, names, party, width_m, left_party,
// right_party, valid_from, valid_to, note, illustrative, classification
// and external_id; for places kind, name, names, lat, lon (when the
// feature has no geometry), note, illustrative, classification and
// external_id; id, when a Truce export gave it, finds the record of this
// instance it came from (see geo.LayerWrite). Every other property (the *_name columns, owner_org,
// computed columns, a GIS file's own columns) is ignored.

// maxImportErrors is the most refusals an import reports before it stops
// reading.
const maxImportErrors = 10_000

// ImportLayers imports the layers r reads, as p. A zone may be a Polygon
// (with holes) or a MultiPolygon, a line of contact a LineString or a
// MultiLineString, a corridor a LineString, a site a Point; a one-part
// MultiPolygon or MultiLineString (as exports write zones) is taken as
// its one part. A feature without kind is a zone when it has an area and
// a site when it is a point, of subkind other.
func (s *Service) ImportLayers(ctx context.Context, p access.Principal, r FeatureReader, opt ImportOptions) (ImportResult, error) {
	var writes []geo.LayerWrite
	res, bad, err := s.readImport(ctx, p, r, opt, func(f Feature, extent geo.BBox) (string, func(), error) {
		in, err := layerInput(f, extent)
		if err != nil {
			return "", nil, err
		}
		in.Import = importSource(opt)
		return in.ExternalID, func() {
			writes = append(writes, geo.LayerWrite{Where: fmt.Sprintf("feature %d", f.Number), Input: in, ID: exportedID(f)})
		}, nil
	})
	if err != nil {
		return res, err
	}
	// With refusals and without Partial the writes are still checked (a
	// dry run), so that every error is reported at once.
	outcomes, werr := s.Geo.WriteLayers(ctx, p, writes, geo.BatchOptions{DryRun: opt.DryRun || (!bad.Empty() && !opt.Partial), Partial: opt.Partial})
	return finish(res, outcomes, &bad, werr, opt)
}

// ImportPlaces imports the places r reads, as p. A place is a Point (or,
// without geometry, its lat and lon properties).
func (s *Service) ImportPlaces(ctx context.Context, p access.Principal, r FeatureReader, opt ImportOptions) (ImportResult, error) {
	var writes []geo.PlaceWrite
	res, bad, err := s.readImport(ctx, p, r, opt, func(f Feature, extent geo.BBox) (string, func(), error) {
		in, err := placeInput(f, extent)
		if err != nil {
			return "", nil, err
		}
		in.Import = importSource(opt)
		return in.ExternalID, func() {
			writes = append(writes, geo.PlaceWrite{Where: fmt.Sprintf("feature %d", f.Number), Input: in, ID: exportedID(f)})
		}, nil
	})
	if err != nil {
		return res, err
	}
	outcomes, werr := s.Geo.WritePlaces(ctx, p, writes, geo.BatchOptions{DryRun: opt.DryRun || (!bad.Empty() && !opt.Partial), Partial: opt.Partial})
	return finish(res, outcomes, &bad, werr, opt)
}

// exportedID is the id column of a feature from a Truce export: the id
// the record had there.
func exportedID(f Feature) string {
	id, _ := f.Props["id"].(string)
	return id
}

func importSource(opt ImportOptions) *geo.ImportSource {
	if opt.SHA256 == "" {
		return nil
	}
	return &geo.ImportSource{File: opt.File, SHA256: opt.SHA256}
}

// readImport reads every feature, checking each with take, which returns
// its external id and a function keeping it for writing. It collects every refusal (duplicate
// external ids included) and stops only when the file cannot be read on.
func (s *Service) readImport(ctx context.Context, p access.Principal, r FeatureReader, opt ImportOptions,
	take func(Feature, geo.BBox) (string, func(), error)) (ImportResult, errs.Collector, error) {
	res := ImportResult{DryRun: opt.DryRun}
	var bad errs.Collector
	extent, err := s.Geo.Extent(ctx, p)
	if err != nil {
		return res, bad, err
	}
	seen := map[string]int{}
	var last error
	refused := 0
	for {
		if err := ctx.Err(); err != nil {
			return res, bad, err
		}
		f, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(errs.All(err)) == 0 {
				return res, bad, err // not the file's fault
			}
			if last != nil && err.Error() == last.Error() {
				break // the reader cannot go on
			}
			last = err
			bad.Add(err)
			refused++
			if refused >= maxImportErrors {
				break
			}
			continue
		}
		res.Read++
		if opt.Progress != nil && res.Read%1000 == 0 {
			opt.Progress(res.Read)
		}
		ext, keep, err := take(f, extent)
		if err != nil {
			bad.Add(featureError(f.Number, err))
			refused++
			continue
		}
		if ext != "" {
			if first, dup := seen[ext]; dup {
				bad.Add(featureError(f.Number, errs.Because(errs.Invalid("properties.external_id", "%q is also the external id of feature %d", clip(ext, 80), first), errs.ReasonDuplicate)))
				refused++
				continue
			}
			seen[ext] = f.Number
		}
		keep()
	}
	if opt.Progress != nil {
		opt.Progress(res.Read)
	}
	res.Refused = refused
	return res, bad, nil
}

// finish counts the outcomes and gathers the refusals into one error.
func finish(res ImportResult, outcomes []geo.Outcome, bad *errs.Collector, werr error, opt ImportOptions) (ImportResult, error) {
	if werr != nil && len(errs.All(werr)) == 0 {
		return res, werr
	}
	bad.Add(serviceFields(werr))
	for _, o := range outcomes {
		switch o {
		case geo.Created:
			res.Created++
		case geo.Changed:
			res.Changed++
		case geo.Unchanged:
			res.Unchanged++
		case geo.Refused:
			res.Refused++
		}
	}
	if !bad.Empty() && !opt.Partial {
		// All or nothing: nothing was written.
		res.Created, res.Changed, res.Unchanged = 0, 0, 0
	}
	return res, bad.Err()
}

// serviceFields turns the fields of the geography service's refusals,
// "feature 3: party", into the file's, "feature 3: properties.party".
func serviceFields(err error) error {
	all := errs.All(err)
	if len(all) == 0 {
		return err
	}
	out := make([]*errs.Error, len(all))
	for i, e := range all {
		c := *e
		if where, field, ok := strings.Cut(e.Field, ": "); ok {
			if f := withProps(errs.Invalid(field, "")); f != nil {
				c.Field = where + ": " + errs.FieldOf(f)
			}
		}
		out[i] = &c
	}
	if len(out) == 1 {
		return out[0]
	}
	return &errs.List{Errs: out}
}

// geoProps reads a feature's properties by column name, remembering the
// first error of each.
type geoProps struct {
	m   map[string]any
	bad errs.Collector
}

func (p *geoProps) text(name string) string {
	switch v := p.m[name].(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	p.bad.Add(errs.Invalid("properties."+name, "must be text"))
	return ""
}

func (p *geoProps) number(name string) (float64, bool) {
	switch v := p.m[name].(type) {
	case nil:
		return 0, false
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case string:
		if v == "" {
			return 0, false
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f, true
		}
	}
	p.bad.Add(errs.Invalid("properties."+name, "must be a number"))
	return 0, false
}

func (p *geoProps) boolean(name string) bool {
	switch v := p.m[name].(type) {
	case nil:
		return false
	case bool:
		return v
	case int64:
		if v == 0 || v == 1 {
			return v == 1
		}
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	}
	p.bad.Add(errs.Invalid("properties."+name, "must be true or false"))
	return false
}

// time reads an RFC 3339 time, or a time.Time from a typed format.
func (p *geoProps) time(name string) string {
	switch v := p.m[name].(type) {
	case nil:
		return ""
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case string:
		return v
	}
	p.bad.Add(errs.Invalid("properties."+name, "must be an RFC 3339 time such as 2020-11-09T21:00:00Z"))
	return ""
}

// withProps prefixes the fields of a service validation error so that they
// name the property: "properties.subkind".
func withProps(err error) error {
	all := errs.All(err)
	if len(all) == 0 {
		return err
	}
	out := make([]*errs.Error, len(all))
	for i, e := range all {
		c := *e
		switch {
		case e.Field == "geometry" || strings.HasPrefix(e.Field, "geometry."):
		case e.Field != "":
			c.Field = "properties." + e.Field
		}
		out[i] = &c
	}
	if len(out) == 1 {
		return out[0]
	}
	return &errs.List{Errs: out}
}

// swapCheck refuses a geometry outside the mission's area that would lie
// in it with latitude and longitude exchanged.
func swapCheck(g geo.Geometry, extent geo.BBox) error {
	if geo.LooksSwapped(g, extent) {
		b := extent
		return errs.Invalid("geometry.coordinates", "the positions look like [latitude, longitude]: as given the geometry lies outside the mission's area (latitude %.2f to %.2f, longitude %.2f to %.2f), swapped it lies inside; GeoJSON gives longitude first",
			b.MinLat, b.MaxLat, b.MinLon, b.MaxLon)
	}
	return nil
}

// onePart takes a one-part MultiPolygon or MultiLineString as its part.
func onePart(g geo.Geometry) geo.Geometry {
	switch {
	case g.Type == geo.TypeMultiPolygon && len(g.Areas) == 1:
		return geo.Geometry{Type: geo.TypePolygon, Polygon: g.Areas[0].Outer, Holes: g.Areas[0].Holes}
	case g.Type == geo.TypeMultiLineString && len(g.Lines) == 1:
		return geo.LineGeometry(g.Lines[0])
	}
	return g
}

func layerInput(f Feature, extent geo.BBox) (geo.LayerInput, error) {
	pr := geoProps{m: f.Props}
	in := geo.LayerInput{
		ExternalID: pr.text("external_id"),
		Kind:       pr.text("kind"),
		Subkind:    pr.text("subkind"),
		Name:       pr.text("name"),
		Party:      pr.text("party"),
		LeftParty:  pr.text("left_party"),
		RightParty: pr.text("right_party"),
		ValidFrom:  pr.time("valid_from"),
		ValidTo:    pr.time("valid_to"),
		Note:       pr.text("note"),
	}
	in.Illustrative = pr.boolean("illustrative")
	in.Classification = pr.text("classification")
	if w, ok := pr.number("width_m"); ok {
		in.WidthM = w
	}
	if names := pr.text("names"); names != "" {
		if err := json.Unmarshal([]byte(names), &in.Names); err != nil {
			pr.bad.Add(errs.Invalid("properties.names", `must be JSON names by language, {"en":"…","ru":"…"}`))
		}
	}
	if f.Geom == nil {
		pr.bad.Add(errs.Invalid("geometry", "is required for a layer"))
	} else {
		g := onePart(*f.Geom)
		if in.Kind == "" {
			switch g.Type {
			case geo.TypePolygon, geo.TypeMultiPolygon:
				in.Kind, in.Subkind = geo.KindZone, "other"
			case geo.TypePoint:
				in.Kind, in.Subkind = geo.KindSite, "other"
			}
		}
		pr.bad.Add(swapCheck(g, extent))
		raw, err := json.Marshal(g)
		if err != nil {
			return in, err
		}
		in.Geometry = raw
	}
	if !pr.bad.Empty() {
		return in, pr.bad.Err()
	}
	if err := in.Check(); err != nil {
		return in, withProps(err)
	}
	return in, nil
}

func placeInput(f Feature, extent geo.BBox) (geo.PlaceInput, error) {
	pr := geoProps{m: f.Props}
	in := geo.PlaceInput{
		ExternalID: pr.text("external_id"),
		Kind:       pr.text("kind"),
		Note:       pr.text("note"),
	}
	in.Illustrative = pr.boolean("illustrative")
	in.Classification = pr.text("classification")
	name := pr.text("name")
	if names := pr.text("names"); names != "" {
		if err := json.Unmarshal([]byte(names), &in.Names); err != nil {
			pr.bad.Add(errs.Invalid("properties.names", `must be JSON, [{"lang":"hy","name":"…"}, …]`))
		}
	} else if name != "" {
		in.Names = []geo.PlaceName{{Lang: "en", Name: name}}
	}
	switch {
	case f.Geom == nil:
		lat, okLat := pr.number("lat")
		lon, okLon := pr.number("lon")
		if !okLat || !okLon {
			pr.bad.Add(errs.Invalid("geometry", "is required for a place: a Point, or lat and lon properties"))
			break
		}
		in.Location = &geo.Point{Lat: lat, Lon: lon}
		if err := in.Location.Validate(); err != nil {
			pr.bad.Add(errs.Prefix("properties", err))
		}
	case f.Geom.Type == geo.TypeMultiPoint:
		pr.bad.Add(errs.Invalid("geometry.type", "a place is one Point, not a MultiPoint; make each point a feature of its own"))
	case f.Geom.Type != geo.TypePoint:
		pr.bad.Add(errs.Invalid("geometry.type", "a place is a Point, not a %s", f.Geom.Type))
	default:
		pt := *f.Geom.Point
		in.Location = &pt
		pr.bad.Add(swapCheck(*f.Geom, extent))
	}
	if !pr.bad.Empty() {
		return in, pr.bad.Err()
	}
	if err := in.Check(); err != nil {
		return in, withProps(err)
	}
	return in, nil
}
