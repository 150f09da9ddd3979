package exchange

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// MaxFeatureBytes is the most bytes one GeoJSON feature may take: a
// feature is decoded whole, the file feature by feature.
const MaxFeatureBytes = 64 << 20

// geoJSONReader reads GeoJSON (RFC 7946) feature by feature: a
// FeatureCollection, a single Feature or a bare geometry. A
// FeatureCollection's features are read one at a time from the stream, so
// a file of any size takes the memory of its largest feature.
type geoJSONReader struct {
	src   *budgetReader
	dec   *json.Decoder
	state int // one of the read* states
	n     int // features read
	typ   string
	// single is the one feature of a file that is a Feature or a geometry.
	single *Feature
	err    error // sticky
}

const (
	readStart    = iota // before the top-level object
	readFeatures        // inside "features"
	readDone            // every feature given
)

// NewGeoJSONReader returns a FeatureReader over r. Feature numbers count
// from 1 in the file's order; errors name them and the field inside the
// feature, "feature 12: geometry.coordinates[0][3]". Invalid UTF-8, a
// truncated file, a crs member naming anything but WGS 84 longitude,
// latitude, and geometries Truce cannot take are refused. After an error
// in one feature of a FeatureCollection, Next reads on with the next; an
// error in the file itself is returned again by every later call.
func NewGeoJSONReader(r io.Reader) FeatureReader {
	src := &budgetReader{r: &utf8Reader{r: bufio.NewReaderSize(r, 64<<10)}, budget: MaxFeatureBytes}
	dec := json.NewDecoder(src)
	dec.UseNumber()
	return &geoJSONReader{src: src, dec: dec}
}

func (g *geoJSONReader) Next() (Feature, error) {
	if g.err != nil {
		return Feature{}, g.err
	}
	f, err := g.next()
	var bad *badFeature
	if errors.As(err, &bad) {
		return Feature{}, bad.err // the stream goes on with the next feature
	}
	if err != nil {
		g.err = err
	}
	return f, err
}

// badFeature is a feature read whole but refused: reading can go on.
type badFeature struct{ err error }

func (b *badFeature) Error() string { return b.err.Error() }

func (g *geoJSONReader) next() (Feature, error) {
	switch g.state {
	case readStart:
		if err := g.start(); err != nil {
			return Feature{}, err
		}
		if g.single != nil {
			g.state = readDone
			return *g.single, nil
		}
		return g.next()
	case readFeatures:
		g.src.reset()
		if g.dec.More() {
			g.n++
			var raw json.RawMessage
			if err := g.dec.Decode(&raw); err != nil {
				return Feature{}, g.syntax(fmt.Sprintf("feature %d", g.n), err)
			}
			f, err := parseFeature(g.n, raw)
			if err != nil {
				return Feature{}, &badFeature{err}
			}
			return f, nil
		}
		if _, err := g.dec.Token(); err != nil { // "]"
			return Feature{}, g.syntax("features", err)
		}
		if err := g.members(); err != nil {
			return Feature{}, err
		}
		if g.typ != "FeatureCollection" {
			return Feature{}, errs.Invalid("type", "a GeoJSON object with features must be a FeatureCollection, got %s", describe(g.typ))
		}
		g.state = readDone
		return Feature{}, io.EOF
	}
	return Feature{}, io.EOF
}

// start reads the top-level object up to its "features", or whole when it
// has none (a Feature or a geometry, small enough to hold).
func (g *geoJSONReader) start() error {
	tok, err := g.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errs.Invalid("", "the file is empty; expected a GeoJSON FeatureCollection, Feature or geometry")
		}
		return g.syntax("", err)
	}
	if tok != json.Delim('{') {
		return errs.Invalid("", "the file is not GeoJSON: expected an object, got %s", describeToken(tok))
	}
	rest := map[string]json.RawMessage{}
	for g.dec.More() {
		tok, err := g.dec.Token()
		if err != nil {
			return g.syntax("", err)
		}
		key, _ := tok.(string)
		if key == "features" {
			if err := g.checkHead(rest); err != nil {
				return err
			}
			tok, err := g.dec.Token()
			if err != nil {
				return g.syntax("features", err)
			}
			if tok != json.Delim('[') {
				return errs.Invalid("features", "must be an array of features, got %s", describeToken(tok))
			}
			g.state = readFeatures
			return nil
		}
		var v json.RawMessage
		if err := g.dec.Decode(&v); err != nil {
			return g.syntax(key, err)
		}
		if _, dup := rest[key]; dup {
			return errs.Invalid(key, "member %q appears more than once", key)
		}
		rest[key] = v
	}
	if err := g.end(); err != nil {
		return err
	}
	if err := g.checkHead(rest); err != nil {
		return err
	}
	whole, err := json.Marshal(rest)
	if err != nil {
		return err
	}
	switch g.typ {
	case "":
		return errs.Invalid("type", "is required: a GeoJSON file holds a FeatureCollection, a Feature or a geometry")
	case "FeatureCollection":
		return errs.Invalid("features", "a FeatureCollection needs a features member")
	case "Feature":
		f, err := parseFeature(1, whole)
		if err != nil {
			return err
		}
		g.single = &f
	default:
		delete(rest, "crs")
		delete(rest, "bbox")
		whole, _ = json.Marshal(rest)
		geom, err := parseGeometry(whole)
		if err != nil {
			return featureError(1, errs.Prefix("geometry", err))
		}
		g.single = &Feature{Number: 1, Geom: &geom, Props: map[string]any{}}
	}
	g.n = 1
	return nil
}

// checkHead reads the members met so far: the type and the crs.
func (g *geoJSONReader) checkHead(members map[string]json.RawMessage) error {
	if raw, ok := members["type"]; ok {
		if err := json.Unmarshal(raw, &g.typ); err != nil {
			return errs.Invalid("type", "must be a string")
		}
	}
	if raw, ok := members["crs"]; ok {
		return checkCRS(raw)
	}
	return nil
}

// members reads the top-level members after "features", up to the end of
// the file.
func (g *geoJSONReader) members() error {
	rest := map[string]json.RawMessage{}
	for g.dec.More() {
		tok, err := g.dec.Token()
		if err != nil {
			return g.syntax("", err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := g.dec.Decode(&v); err != nil {
			return g.syntax(key, err)
		}
		if key == "features" {
			return errs.Invalid("features", "member \"features\" appears more than once")
		}
		rest[key] = v
	}
	if err := g.end(); err != nil {
		return err
	}
	return g.checkHead(rest)
}

// end reads the top-level object's closing brace and makes sure nothing
// follows it.
func (g *geoJSONReader) end() error {
	if _, err := g.dec.Token(); err != nil {
		return g.syntax("", err)
	}
	if _, err := g.dec.Token(); err != io.EOF {
		if err != nil {
			return g.syntax("", err)
		}
		return errs.Invalid("", "unexpected data after the GeoJSON object")
	}
	return nil
}

// syntax turns a decoding error into a client error at where.
func (g *geoJSONReader) syntax(where string, err error) error {
	var bad *badUTF8
	var big *tooBig
	switch {
	case errors.As(err, &bad):
		return errs.Invalid(where, "the file is not valid UTF-8 (byte offset %d)", bad.offset)
	case errors.As(err, &big):
		return errs.TooLarge(where, "is larger than %d MB; split the file or simplify the geometry", MaxFeatureBytes>>20)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Invalid(where, "the file ends in the middle of the GeoJSON; it is truncated")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return errs.Invalid(where, "is not valid JSON at byte %d: %s", se.Offset, se.Error())
	}
	if errs.CodeOf(err) != "" && len(errs.All(err)) > 0 {
		return err
	}
	return errs.Invalid(where, "could not be read: %v", err)
}

// checkCRS accepts a crs member only when it names WGS 84 in longitude,
// latitude order, as RFC 7946 requires; older GDAL writes one.
func checkCRS(raw json.RawMessage) error {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var crs struct {
		Type       string `json:"type"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &crs); err == nil && crs.Type == "name" {
		switch strings.ToUpper(crs.Properties.Name) {
		case "URN:OGC:DEF:CRS:OGC:1.3:CRS84", "URN:OGC:DEF:CRS:OGC::CRS84", "OGC:CRS84", "EPSG:4326", "URN:OGC:DEF:CRS:EPSG::4326":
			return nil
		}
		return errs.Invalid("crs", "names %q; GeoJSON (RFC 7946) is WGS 84 longitude, latitude only: reproject the file first (ogr2ogr -t_srs EPSG:4326)", clip(crs.Properties.Name, 80))
	}
	return errs.Invalid("crs", "is not a named WGS 84 CRS; GeoJSON (RFC 7946) is WGS 84 longitude, latitude only: reproject the file first (ogr2ogr -t_srs EPSG:4326)")
}

// parseGeometry is geo.ParseGeometry with a word for GeometryCollection.
func parseGeometry(raw []byte) (geo.Geometry, error) {
	var head struct {
		Type any `json:"type"`
	}
	if bytes.Contains(raw, []byte("GeometryCollection")) && json.Unmarshal(raw, &head) == nil && head.Type == "GeometryCollection" {
		return geo.Geometry{}, errs.Invalid("type", "a GeometryCollection is not supported; give each geometry as a feature of its own")
	}
	return geo.ParseGeometry(raw)
}

// parseFeature decodes one Feature object.
func parseFeature(n int, raw []byte) (Feature, error) {
	f := Feature{Number: n, Props: map[string]any{}}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return f, featureError(n, errs.Invalid("", "is not valid JSON"))
	}
	if tok != json.Delim('{') {
		return f, featureError(n, errs.Invalid("", "a feature must be an object, got %s", describeToken(tok)))
	}
	seen := map[string]bool{}
	var typ string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return f, featureError(n, errs.Invalid("", "is not valid JSON"))
		}
		key, _ := tok.(string)
		if seen[key] {
			return f, featureError(n, errs.Invalid(key, "member %q appears more than once", key))
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return f, featureError(n, errs.Invalid(key, "is not valid JSON"))
		}
		null := string(v) == "null"
		switch key {
		case "type":
			if json.Unmarshal(v, &typ) != nil {
				return f, featureError(n, errs.Invalid("type", "must be a string"))
			}
		case "geometry":
			if null {
				continue
			}
			g, err := parseGeometry(v)
			if err != nil {
				return f, featureError(n, errs.Prefix("geometry", err))
			}
			f.Geom = &g
		case "properties":
			if null {
				continue
			}
			if err := readProperties(v, f.Props); err != nil {
				return f, featureError(n, err)
			}
		}
		// id, bbox and foreign members are left aside: Truce's id is a
		// property, and importers ignore it.
	}
	if typ != "Feature" {
		return f, featureError(n, errs.Invalid("type", "must be \"Feature\", got %s", describe(typ)))
	}
	if !seen["geometry"] {
		return f, featureError(n, errs.Invalid("geometry", "is required (null for a feature without one)"))
	}
	return f, nil
}

// readProperties flattens a properties object into props: numbers as int64
// when integral and in range, otherwise float64; strings, booleans and
// null as such; arrays and objects as their JSON text, the way exports
// write lists and maps.
func readProperties(raw []byte, props map[string]any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return errs.Invalid("properties", "must be an object or null")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errs.Invalid("properties", "is not valid JSON")
		}
		key, _ := tok.(string)
		field := "properties." + key
		if _, dup := props[key]; dup {
			return errs.Invalid(field, "appears more than once")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return errs.Invalid(field, "is not valid JSON")
		}
		val, err := propertyValue(field, v)
		if err != nil {
			return err
		}
		props[key] = val
	}
	return nil
}

func propertyValue(field string, v json.RawMessage) (any, error) {
	switch v[0] {
	case 'n':
		return nil, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, errs.Invalid(field, "is not a valid string")
		}
		return s, nil
	case '{', '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return nil, errs.Invalid(field, "is not valid JSON")
		}
		return buf.String(), nil
	}
	s := string(v)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, errs.Invalid(field, "number %s is out of range", clip(s, 40))
	}
	return f, nil
}

// featureError puts "feature n: " before err's fields.
func featureError(n int, err error) error {
	all := errs.All(err)
	if len(all) == 0 {
		return err
	}
	out := make([]*errs.Error, len(all))
	for i, e := range all {
		c := *e
		c.Field = fmt.Sprintf("feature %d", n)
		if e.Field != "" {
			c.Field += ": " + e.Field
		}
		out[i] = &c
	}
	if len(out) == 1 {
		return out[0]
	}
	return &errs.List{Errs: out}
}

func describe(s string) string {
	if s == "" {
		return "nothing"
	}
	return strconv.Quote(clip(s, 40))
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", t.String())
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// utf8Reader passes bytes through, failing at the first that is not UTF-8.
type utf8Reader struct {
	r       io.Reader
	pending []byte // the start of a sequence split across reads
	offset  int64
	err     error
}

type badUTF8 struct{ offset int64 }

func (e *badUTF8) Error() string { return fmt.Sprintf("invalid UTF-8 at byte %d", e.offset) }

func (u *utf8Reader) Read(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	if len(p) < 8 {
		return 0, io.ErrShortBuffer
	}
	k := copy(p, u.pending)
	n, err := u.r.Read(p[k:len(p)])
	n += k
	u.pending = u.pending[:0]
	// Hold back an incomplete sequence at the end, unless the input ended.
	end := n
	if err == nil {
		for i := n - 1; i >= 0 && i >= n-utf8.UTFMax; i-- {
			if utf8.RuneStart(p[i]) {
				if !utf8.FullRune(p[i:n]) {
					end = i
				}
				break
			}
		}
	}
	for i := 0; i < end; {
		if p[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:end])
		if r == utf8.RuneError && size <= 1 {
			u.err = &badUTF8{offset: u.offset + int64(i)}
			u.offset += int64(i)
			return i, u.err
		}
		i += size
	}
	u.pending = append(u.pending, p[end:n]...)
	u.offset += int64(end)
	if err == io.EOF && len(u.pending) > 0 {
		u.err = &badUTF8{offset: u.offset}
		return end, u.err
	}
	return end, err
}

// budgetReader fails once more than budget bytes are read since the last
// reset: a bound on one feature's size.
type budgetReader struct {
	r      io.Reader
	budget int64
	used   int64
}

type tooBig struct{}

func (tooBig) Error() string { return "feature too large" }

func (b *budgetReader) reset() { b.used = 0 }

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.used > b.budget {
		return 0, &tooBig{}
	}
	n, err := b.r.Read(p)
	b.used += int64(n)
	return n, err
}
