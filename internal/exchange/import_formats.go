package exchange

import (
	"bufio"
	"io"
	"os"
	"slices"

	"github.com/truce-monitoring/truce/internal/errs"
)

// ImportReader returns the reader of an import file of kind in format:
// allegations and observations from CSV, GeoJSON, ACLED CSV, KML/KMZ,
// GeoPackage or the fusion stream; layers and places from GeoJSON,
// KML/KMZ, GeoPackage or CSV. A GeoPackage or KMZ is copied to a
// temporary file first (both need to seek); the reader then also
// implements io.Closer, which removes it: callers close what they get.
func ImportReader(format, kind string, r io.Reader) (FeatureReader, error) {
	tables, ok := TablesOf(kind)
	if !ok || !slices.Contains(ImportKinds, kind) {
		return nil, errs.Invalid("kind", "%q cannot be imported: use allegations, observations, layers or places", kind)
	}
	var columns []Column
	for _, t := range tables {
		for _, c := range t.Columns {
			if !slices.ContainsFunc(columns, func(o Column) bool { return o.Name == c.Name }) {
				columns = append(columns, c)
			}
		}
	}
	events := kind == TableAllegations || kind == TableObservations
	switch format {
	case FormatCSV:
		if len(tables) != 1 {
			return nil, errs.Invalid("format", "layers are not imported from CSV: use GeoJSON, KML or GeoPackage")
		}
		return NewCSVReader(r, tables[0]), nil
	case FormatGeoJSON:
		return NewGeoJSONReader(r), nil
	case FormatStream:
		if !events {
			return nil, errs.Invalid("format", "the fusion stream holds reports: import it as allegations or observations")
		}
		return NewStreamReader(r, kind), nil
	case FormatACLED:
		if !events {
			return nil, errs.Invalid("format", "ACLED events are imported as allegations or observations")
		}
		return NewACLEDReader(r, kind, ACLEDReadOptions{})
	case FormatKML:
		br := bufio.NewReaderSize(r, 64<<10)
		head, _ := br.Peek(4)
		if !IsKMZ(head) {
			return NewKMLReader(br, columns), nil
		}
		f, size, err := spool(br, "truce-import-*.kmz")
		if err != nil {
			return nil, err
		}
		k, err := NewKMZReader(f, size, columns)
		if err != nil {
			removeSpool(f)
			return nil, err
		}
		return &closingReader{FeatureReader: k, close: func() error { return removeSpool(f) }}, nil
	case FormatGeoPackage:
		f, _, err := spool(r, "truce-import-*.gpkg")
		if err != nil {
			return nil, err
		}
		f.Close()
		path := f.Name()
		if len(tables) == 1 {
			g, err := OpenGPKG(path, GPKGReadOptions{})
			if err != nil {
				os.Remove(path)
				return nil, err
			}
			return &closingReader{FeatureReader: g, close: func() error { g.Close(); return os.Remove(path) }}, nil
		}
		// Layers: every layer table the file holds, one after another.
		var parts []*GPKGReader
		for _, t := range tables {
			g, err := OpenGPKG(path, GPKGReadOptions{Table: t.Name})
			if err != nil {
				continue
			}
			parts = append(parts, g)
		}
		if len(parts) == 0 {
			g, err := OpenGPKG(path, GPKGReadOptions{})
			if err != nil {
				os.Remove(path)
				return nil, err
			}
			parts = append(parts, g)
		}
		return &gpkgChain{parts: parts, path: path}, nil
	}
	return nil, errs.Invalid("format", "%s cannot be imported as %s: use csv, geojson, kml, gpkg, acled or stream", formatOrNone(format), kind)
}

// spool copies r to a new temporary file, for the formats that seek.
func spool(r io.Reader, pattern string) (*os.File, int64, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(f, r)
	if err != nil {
		removeSpool(f)
		return nil, 0, err
	}
	return f, n, nil
}

func removeSpool(f *os.File) error {
	f.Close()
	return os.Remove(f.Name())
}

// closingReader is a FeatureReader with something to release at the end.
type closingReader struct {
	FeatureReader
	close func() error
}

func (c *closingReader) Close() error { return c.close() }

// gpkgChain reads several tables of one GeoPackage in turn; features are
// numbered across them.
type gpkgChain struct {
	parts []*GPKGReader
	path  string
	n     int
}

func (g *gpkgChain) Next() (Feature, error) {
	for len(g.parts) > 0 {
		f, err := g.parts[0].Next()
		if err == io.EOF {
			g.parts[0].Close()
			g.parts = g.parts[1:]
			continue
		}
		g.n++
		f.Number = g.n
		return f, err
	}
	return Feature{}, io.EOF
}

func (g *gpkgChain) Close() error {
	for _, p := range g.parts {
		p.Close()
	}
	return os.Remove(g.path)
}
