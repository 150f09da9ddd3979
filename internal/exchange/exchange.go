// Package exchange moves records between Truce and the files analysts and
// other systems use: GeoJSON, GeoPackage, KML, CSV with HXL tags, ACLED-
// and UCDP-like CSV out; layers, places, allegations and observations in.
//
// Every export reads through the domain services with the reader's
// principal, so a file holds exactly what its list page would show that
// reader, filtered alike; every import writes through them, so each record
// brought in is a change in the log attributed to the importer.
//
// # Tables, rows and writers
//
// An export is one or more Tables (a kind of record with one geometry
// type) whose Rows are streamed to a Writer of one format. A Writer never
// holds more than one row: memory stays flat whatever the size.
//
// # Features and readers
//
// An import reads Features from a FeatureReader of one format. Whatever
// the format, a reader for a kind names its Feature properties by that
// kind's export Column names (an ACLED reader translates ACLED's columns),
// so one importer per kind serves every format and an export re-imports.
package exchange

import (
	"time"

	"github.com/truce-monitoring/truce/internal/geo"
)

// Formats, as named on the command line, in ?format= and in file names.
const (
	FormatGeoJSON    = "geojson" // RFC 7946, application/geo+json
	FormatGeoPackage = "gpkg"    // OGC GeoPackage 1.3
	FormatKML        = "kml"     // OGC KML 2.2 (KMZ on import)
	FormatCSV        = "csv"     // CSV with an HXL hashtag row
	FormatACLED      = "acled"   // CSV in ACLED's columns and codes
	FormatUCDP       = "ucdp"    // CSV in UCDP GED's columns
	FormatStream     = "stream"  // the fusion stream (docs/stream-format.md), import only
)

// ColumnType is the type of a Column's values.
type ColumnType int

// The column types. A Row's value for a column is nil or of the Go type
// named here.
const (
	Text     ColumnType = iota // string
	Integer                    // int64
	Real                       // float64
	Bool                       // bool
	Date                       // time.Time, a calendar day (UTC midnight), written YYYY-MM-DD
	DateTime                   // time.Time, written RFC 3339 in UTC
)

// Column is one property of a Table: a GeoJSON property, a GeoPackage
// column, a CSV header.
type Column struct {
	Name string     // snake_case ASCII, unique in its table
	Type ColumnType //
	HXL  string     // HXL hashtag and attributes ("#event+id"); "" when none fits
	Doc  string     // one line saying what it holds, for docs/exchange.md
}

// Table is one kind of record with one geometry type: a GeoJSON file, a
// GeoPackage table, a KML folder.
type Table struct {
	Name     string           // snake_case, e.g. "allegations", "layers_zones"
	Title    string           // a few words in English, e.g. "Allegations"
	Geometry geo.GeometryType // of every row's Geom; "" for a table without geometry
	Columns  []Column
}

// Row is one record of a Table.
type Row struct {
	Geom   *geo.Geometry // nil when the record has no place
	Values []any         // one per Column, in order: nil or the column type's Go type
}

// Writer writes Tables in one format, streaming: Begin starts a table,
// Write adds a row to it, Close finishes the file. Formats that hold one
// table per file refuse a second Begin.
type Writer interface {
	Begin(t Table) error
	Write(r Row) error
	Close() error
}

// Feature is one record read from an import file.
type Feature struct {
	// Number is where the record is in its file, for messages: the line
	// for CSV (the header is line 1), the feature's 1-based position for
	// the others.
	Number int
	Geom   *geo.Geometry  // nil when the record has none
	Props  map[string]any // by export Column name: string, float64, int64, bool, time.Time or nil
}

// FeatureReader reads an import file's Features in order; Next returns
// io.EOF after the last. An error that is not io.EOF names the line or
// feature number and the field.
type FeatureReader interface {
	Next() (Feature, error)
}

// ImportOptions says how an import runs.
type ImportOptions struct {
	DryRun   bool           // report what would be created or changed; write nothing
	Partial  bool           // keep the good records when some are bad (otherwise all or nothing)
	File     string         // the file's name, for messages
	SHA256   string         // hex SHA-256 of the file, recorded with every change it makes
	Progress func(done int) // called now and then with the features read so far; may be nil
	Now      func() time.Time
}

// ImportResult is what an import did, or would do in a dry run.
type ImportResult struct {
	Read      int  `json:"read"`      // features read
	Created   int  `json:"created"`   // records new to Truce
	Changed   int  `json:"changed"`   // records whose external id was known, changed
	Unchanged int  `json:"unchanged"` // records whose external id was known, the same
	Refused   int  `json:"refused"`   // bad features (left out when Partial; otherwise nothing was written)
	DryRun    bool `json:"dry_run"`
}
