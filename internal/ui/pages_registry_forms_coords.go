package ui

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// maxRingText bounds the pasted text of one ring (a form is at most 1 MiB).
const maxRingText = 512 << 10

// parseRing reads a ring of points pasted into a form, either as GeoJSON
// (a Polygon geometry, or a Feature or FeatureCollection holding exactly
// one) or as one "lat, lon" pair per line. Lines may also separate the two
// numbers with a semicolon, a tab or spaces; with a semicolon or a tab a
// decimal comma is read too. Blank lines and lines starting with # are
// skipped. A ring whose last point is not its first is closed. Whether the
// ring makes a valid polygon is the service's to say; this only reads it.
// Empty text is a nil ring.
func parseRing(field, text string) (geo.Polygon, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	if len(text) > maxRingText {
		return nil, errs.Invalid(field, "is longer than %d bytes", maxRingText)
	}
	var ring geo.Polygon
	var err error
	if text[0] == '{' {
		ring, err = ringFromGeoJSON(field, []byte(text), true)
	} else {
		ring, err = ringFromLines(field, text)
	}
	if err != nil {
		return nil, err
	}
	if len(ring) > 0 && ring[0] != ring[len(ring)-1] {
		ring = append(ring, ring[0])
	}
	return ring, nil
}

func ringFromLines(field, text string) (geo.Polygon, error) {
	var ring geo.Polygon
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(ring) >= geo.MaxVertices {
			return nil, errs.Invalid(field, "has more than %d points", geo.MaxVertices)
		}
		p, ok := pointFromLine(line)
		if !ok {
			return nil, errs.Invalid(field, "line %d: %q is not a latitude and a longitude such as 39.8201, 46.7512", i+1, clip(line, 40))
		}
		ring = append(ring, p)
	}
	return ring, nil
}

// pointFromLine reads "lat, lon" (or "lat; lon", "lat<TAB>lon", "lat lon").
func pointFromLine(line string) (geo.Point, bool) {
	line = strings.NewReplacer("°", " ", "\u00a0", " ").Replace(line)
	var parts []string
	switch {
	case strings.ContainsAny(line, ";\t"):
		parts = strings.FieldsFunc(line, func(r rune) bool { return r == ';' || r == '\t' })
		for i := range parts {
			parts[i] = strings.ReplaceAll(strings.TrimSpace(parts[i]), ",", ".")
		}
	case strings.Contains(line, ","):
		parts = strings.Split(line, ",")
	default:
		parts = strings.Fields(line)
	}
	if len(parts) != 2 {
		return geo.Point{}, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err1 != nil || err2 != nil || math.IsNaN(lat+lon) || math.IsInf(lat+lon, 0) {
		return geo.Point{}, false
	}
	return geo.Point{Lat: lat, Lon: lon}, true
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ringFromGeoJSON reads a Polygon geometry, or a Feature or a
// FeatureCollection of one Feature whose geometry is a Polygon with one
// ring (GeoJSON gives longitude first).
func ringFromGeoJSON(field string, data []byte, top bool) (geo.Polygon, error) {
	var head struct {
		Type     string            `json:"type"`
		Geometry json.RawMessage   `json:"geometry"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, errs.Invalid(field, "is not GeoJSON: %s", clip(err.Error(), 80))
	}
	switch head.Type {
	case "FeatureCollection":
		if !top {
			return nil, errs.Invalid(field, "a FeatureCollection holds Features, not collections")
		}
		if len(head.Features) != 1 {
			return nil, errs.Invalid(field, "a FeatureCollection must hold exactly one polygon, got %d features", len(head.Features))
		}
		return ringFromGeoJSON(field, head.Features[0], false)
	case "Feature":
		if len(bytes.TrimSpace(head.Geometry)) == 0 || bytes.Equal(bytes.TrimSpace(head.Geometry), []byte("null")) {
			return nil, errs.Invalid(field, "the Feature has no geometry")
		}
		data = head.Geometry
	case "Polygon":
	default:
		return nil, errs.Invalid(field, "GeoJSON of type %q: give a Polygon", clip(head.Type, 30))
	}
	g, err := geo.ParseGeometry(data)
	if err != nil {
		return nil, errs.Invalid(field, "%s", errs.MessageOf(err))
	}
	if g.Type != geo.TypePolygon {
		return nil, errs.Invalid(field, "GeoJSON of type %s: give a Polygon", g.Type)
	}
	if len(g.Holes) > 0 {
		return nil, errs.Invalid(field, "the Polygon has holes: give a single outer ring")
	}
	return g.Polygon, nil
}
