package exchange

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, with the R*Tree module

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// GeoPackage constants (OGC 12-128r18, GeoPackage 1.3).
const (
	gpkgApplicationID = 0x47504B47 // "GPKG"
	gpkgUserVersion   = 10300      // 1.3.0
	gpkgSRSID         = 4326       // WGS 84, longitude-latitude as x-y
	gpkgFIDColumn     = "fid"      // the integer primary key, as GDAL names it
	gpkgGeomColumn    = "geom"     // the geometry column, as GDAL names it
	// gpkgBatchRows is how many rows go in one transaction: big enough
	// that commits cost nothing, small enough that the journal stays small.
	gpkgBatchRows = 100_000
	// gpkgInsertRows is how many rows one INSERT takes, to spread the
	// cost of a statement's execution; fewer when the table is wide
	// (gpkgMaxVariables) or the rows' geometries large (gpkgArenaBytes).
	gpkgInsertRows   = 64
	gpkgMaxVariables = 32766 // SQLite's limit on parameters
	gpkgArenaBytes   = 1 << 20
)

// gpkgTypes spells each column type as GeoPackage does (§1.1.1.1.3).
var gpkgTypes = map[ColumnType]string{
	Text:     "TEXT",
	Integer:  "INTEGER",
	Real:     "REAL",
	Bool:     "BOOLEAN",
	Date:     "DATE",
	DateTime: "DATETIME",
}

// gpkgGeometryNames spells each geometry type as gpkg_geometry_columns does.
var gpkgGeometryNames = map[geo.GeometryType]string{
	geo.TypePoint:           "POINT",
	geo.TypeLineString:      "LINESTRING",
	geo.TypePolygon:         "POLYGON",
	geo.TypeMultiPoint:      "MULTIPOINT",
	geo.TypeMultiLineString: "MULTILINESTRING",
	geo.TypeMultiPolygon:    "MULTIPOLYGON",
}

// GPKGOptions tunes a GeoPackage writer.
type GPKGOptions struct {
	// Now is written as each table's last_change; zero means the time
	// Close runs. Set it for files that are the same byte for byte.
	Now time.Time
	// TempDir is where a writer to an io.Writer builds its file; "" is
	// os.TempDir().
	TempDir string
}

// GPKGWriter writes an OGC GeoPackage 1.3: one table per Begin, a features
// table with an R*Tree spatial index for a Table with geometry, an
// attributes table for one without, and the metadata tables GeoPackage
// requires (gpkg_spatial_ref_sys with EPSG:4326 and the two undefined
// systems, gpkg_contents with each table's bounds, gpkg_geometry_columns,
// gpkg_extensions).
//
// Rows go in transactions of 100,000, 64 rows to a statement, with no
// rollback journal and no sync: the file is being made, not kept, and is
// removed when anything fails. The spatial index is built at the end of
// each table, packed in Hilbert order (see gpkg_rtree.go), and the
// GeoPackage's R*Tree triggers are added at Close, so that QGIS's later
// edits keep it up to date.
//
// SQLite needs a file it can seek in, so a writer made by NewGPKGWriter
// builds the GeoPackage in a temporary file and copies it to its
// io.Writer at Close (then removes it): the disk must hold the file once
// more, memory stays flat. CreateGPKG writes in place.
type GPKGWriter struct {
	opt   GPKGOptions
	path  string    // the file being built
	out   io.Writer // where Close copies it, or nil when path is the result
	db    *sql.DB
	conn  *sql.Conn
	tx    *sql.Tx
	ins   *sql.Stmt  // the current table's INSERT
	stage rtreeStage // the current table's boxes, for its spatial index

	table     Table
	names     map[string]bool // tables written so far
	tables    []gpkgTableState
	rows      int    // in the current transaction
	insPrefix string // "INSERT INTO t (cols) VALUES "
	insRow    string // "(?, ?, …)"
	insBatch  int    // rows per INSERT
	pending   int    // rows held back in args
	args      []any  // their values
	rowArgs   []any  // one row's values, while checked
	arena     []byte // their geometry blobs
	err       error  // the first failure: the writer is unusable after it
	started   bool
}

// gpkgTableState is what Close needs to finish a table.
type gpkgTableState struct {
	name   string
	geom   bool
	rows   int64
	bounds geo.BBox // of every geometry so far
	any    bool     // whether bounds holds anything
}

// NewGPKGWriter returns a Writer that builds a GeoPackage in a temporary
// file and copies it to w at Close.
func NewGPKGWriter(w io.Writer, opt GPKGOptions) *GPKGWriter {
	return &GPKGWriter{opt: opt, out: w, names: map[string]bool{}}
}

// CreateGPKG returns a Writer that builds a GeoPackage at path, which must
// not exist yet. After a failed Close the partial file is removed.
func CreateGPKG(path string, opt GPKGOptions) (*GPKGWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create GeoPackage: %w", err)
	}
	f.Close()
	return &GPKGWriter{opt: opt, path: path, names: map[string]bool{}}, nil
}

// start creates the file and the metadata tables.
func (w *GPKGWriter) start() error {
	w.started = true
	if w.path == "" {
		f, err := os.CreateTemp(w.opt.TempDir, "truce-export-*.gpkg")
		if err != nil {
			return fmt.Errorf("GeoPackage temporary file: %w", err)
		}
		w.path = f.Name()
		f.Close()
	}
	// Durability is not wanted: the file is new and thrown away on failure.
	dsn := sqliteURI(w.path) +
		"?_pragma=journal_mode(off)&_pragma=synchronous(off)&_pragma=locking_mode(exclusive)" +
		"&_pragma=cache_size(-8192)&_txlock=exclusive"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("open GeoPackage: %w", err)
	}
	db.SetMaxOpenConns(1)
	w.db = db
	ctx := context.Background()
	if w.conn, err = db.Conn(ctx); err != nil {
		return fmt.Errorf("open GeoPackage: %w", err)
	}
	stmts := []string{
		fmt.Sprintf("PRAGMA application_id = %d", gpkgApplicationID),
		fmt.Sprintf("PRAGMA user_version = %d", gpkgUserVersion),
		`CREATE TABLE gpkg_spatial_ref_sys (
			srs_name TEXT NOT NULL,
			srs_id INTEGER PRIMARY KEY,
			organization TEXT NOT NULL,
			organization_coordsys_id INTEGER NOT NULL,
			definition TEXT NOT NULL,
			description TEXT)`,
		`INSERT INTO gpkg_spatial_ref_sys VALUES
			('WGS 84 geodetic', 4326, 'EPSG', 4326, '` + wgs84WKT + `', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid'),
			('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
			('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system')`,
		`CREATE TABLE gpkg_contents (
			table_name TEXT NOT NULL PRIMARY KEY,
			data_type TEXT NOT NULL,
			identifier TEXT UNIQUE,
			description TEXT DEFAULT '',
			last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
			min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
			srs_id INTEGER,
			CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
		`CREATE TABLE gpkg_geometry_columns (
			table_name TEXT NOT NULL,
			column_name TEXT NOT NULL,
			geometry_type_name TEXT NOT NULL,
			srs_id INTEGER NOT NULL,
			z TINYINT NOT NULL,
			m TINYINT NOT NULL,
			CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
			CONSTRAINT uk_gc_table_name UNIQUE (table_name),
			CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
			CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
		`CREATE TABLE gpkg_extensions (
			table_name TEXT,
			column_name TEXT,
			extension_name TEXT NOT NULL,
			definition TEXT NOT NULL,
			scope TEXT NOT NULL,
			CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`,
	}
	for _, s := range stmts {
		if _, err := w.conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("GeoPackage metadata: %w", err)
		}
	}
	return nil
}

// sqliteURI returns path as an SQLite file: URI, escaped so that no
// character of the name is read as part of the query.
func sqliteURI(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	return u.String()
}

// wgs84WKT is EPSG:4326 in OGC WKT 1, as GeoPackage's own example gives it.
const wgs84WKT = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Begin starts a table named t.Name. Names must be new in the file and
// must not collide with GeoPackage's own (gpkg_…, rtree_…) or with the
// key and geometry columns (fid, geom).
func (w *GPKGWriter) Begin(t Table) error {
	if w.err != nil {
		return w.err
	}
	w.err = w.begin(t)
	return w.err
}

func (w *GPKGWriter) begin(t Table) error {
	if err := checkGPKGTable(t, w.names); err != nil {
		return err
	}
	if !w.started {
		if err := w.start(); err != nil {
			return err
		}
	}
	if err := w.endTable(); err != nil {
		return err
	}
	ctx := context.Background()
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("GeoPackage: %w", err)
	}
	w.tx, w.rows = tx, 0
	geom := t.Geometry != ""
	cols := []string{quoteIdent(gpkgFIDColumn) + " INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"}
	names := []string{quoteIdent(gpkgFIDColumn)}
	if geom {
		cols = append(cols, quoteIdent(gpkgGeomColumn)+" "+gpkgGeometryNames[t.Geometry])
		names = append(names, quoteIdent(gpkgGeomColumn))
	}
	for _, c := range t.Columns {
		cols = append(cols, quoteIdent(c.Name)+" "+gpkgTypes[c.Type])
		names = append(names, quoteIdent(c.Name))
	}
	q := quoteIdent(t.Name)
	dataType := "attributes"
	if geom {
		dataType = "features"
	}
	stmts := []struct {
		sql  string
		args []any
	}{
		{"CREATE TABLE " + q + " (" + strings.Join(cols, ", ") + ")", nil},
		{"INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, ?, ?, ?, ?)",
			[]any{t.Name, dataType, t.Name, t.Title, nullIf(!geom, gpkgSRSID)}},
	}
	if geom {
		rtree := quoteIdent("rtree_" + t.Name + "_" + gpkgGeomColumn)
		stmts = append(stmts,
			struct {
				sql  string
				args []any
			}{"INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)", []any{t.Name, gpkgGeomColumn, gpkgGeometryNames[t.Geometry], gpkgSRSID}},
			struct {
				sql  string
				args []any
			}{"INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')", []any{t.Name, gpkgGeomColumn}},
			struct {
				sql  string
				args []any
			}{"CREATE VIRTUAL TABLE " + rtree + " USING rtree(id, minx, maxx, miny, maxy)", nil},
		)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("GeoPackage table %s: %w", t.Name, err)
		}
	}
	w.insPrefix = "INSERT INTO " + q + " (" + strings.Join(names, ", ") + ") VALUES "
	w.insRow = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")"
	w.insBatch = max(1, min(gpkgInsertRows, gpkgMaxVariables/len(names)))
	w.ins, err = tx.PrepareContext(ctx, w.insertSQL(w.insBatch))
	if err != nil {
		return fmt.Errorf("GeoPackage table %s: %w", t.Name, err)
	}
	if geom {
		if err := w.stage.create(ctx, tx); err != nil {
			return fmt.Errorf("GeoPackage spatial index of %s: %w", t.Name, err)
		}
	}
	w.table = t
	w.names[t.Name] = true
	w.tables = append(w.tables, gpkgTableState{name: t.Name, geom: geom})
	w.args = make([]any, 0, len(names)*w.insBatch)
	w.pending = 0
	return nil
}

func nullIf(null bool, v any) any {
	if null {
		return nil
	}
	return v
}

// checkGPKGTable refuses a table this writer cannot write or that GDAL
// would read differently.
func checkGPKGTable(t Table, seen map[string]bool) error {
	if !isSnakeName(t.Name) {
		return errs.Invalid("table", "table name %q is not snake_case ASCII", t.Name)
	}
	if seen[t.Name] {
		return errs.Invalid("table", "table %q is written twice", t.Name)
	}
	if strings.HasPrefix(t.Name, "gpkg_") || strings.HasPrefix(t.Name, "rtree_") || strings.HasPrefix(t.Name, "sqlite_") {
		return errs.Invalid("table", "table name %q is reserved by GeoPackage or SQLite", t.Name)
	}
	if _, ok := gpkgGeometryNames[t.Geometry]; !ok && t.Geometry != "" {
		return errs.Invalid("table", "table %s: geometry type %q cannot be written", t.Name, t.Geometry)
	}
	cols := map[string]bool{gpkgFIDColumn: true, gpkgGeomColumn: true}
	for i, c := range t.Columns {
		if _, ok := gpkgTypes[c.Type]; !ok {
			return errs.Invalid(fmt.Sprintf("table %s: columns[%d]", t.Name, i), "unknown column type %d", c.Type)
		}
		if !isSnakeName(c.Name) {
			return errs.Invalid(fmt.Sprintf("table %s: columns[%d]", t.Name, i), "column name %q is not snake_case ASCII", c.Name)
		}
		if cols[c.Name] {
			return errs.Invalid(fmt.Sprintf("table %s: columns[%d]", t.Name, i), "column name %q is used twice or is reserved (fid, geom)", c.Name)
		}
		cols[c.Name] = true
	}
	return nil
}

func isSnakeName(s string) bool {
	if s == "" || len(s) > 63 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Write adds a row to the current table. Its geometry must be of the
// table's type (or nil); its values must match the columns' types.
func (w *GPKGWriter) Write(r Row) error {
	if w.err != nil {
		return w.err
	}
	if w.ins == nil {
		return errors.New("GeoPackage: Write before Begin")
	}
	if err := w.write(r); err != nil {
		if errs.CodeOf(err) != errs.CodeInvalid {
			w.err = err
		}
		return err
	}
	return nil
}

func (w *GPKGWriter) write(r Row) error {
	t := &w.tables[len(w.tables)-1]
	if len(r.Values) != len(w.table.Columns) {
		return errs.Invalid(fmt.Sprintf("table %s: row %d", t.name, t.rows+1), "has %d values for %d columns", len(r.Values), len(w.table.Columns))
	}
	args := append(w.rowArgs[:0], t.rows+1)
	var box geo.BBox
	if t.geom {
		if r.Geom == nil {
			args = append(args, nil)
		} else {
			if r.Geom.Type != w.table.Geometry {
				return errs.Invalid(fmt.Sprintf("table %s: row %d: geometry", t.name, t.rows+1), "is a %s in a table of %s", r.Geom.Type, w.table.Geometry)
			}
			start := len(w.arena)
			arena, err := AppendGPKGGeometry(w.arena, *r.Geom, gpkgSRSID)
			if err != nil {
				return errs.Prefix(fmt.Sprintf("table %s: row %d: geometry", t.name, t.rows+1), err)
			}
			// Earlier rows' blobs stay valid if append moved the arena.
			w.arena = arena
			args = append(args, arena[start:len(arena):len(arena)])
			box, _ = geometryBounds(*r.Geom)
		}
	} else if r.Geom != nil {
		return errs.Invalid(fmt.Sprintf("table %s: row %d: geometry", t.name, t.rows+1), "a table without geometry cannot hold one")
	}
	for i, v := range r.Values {
		c := w.table.Columns[i]
		sv, err := gpkgValue(c.Type, v)
		if err != nil {
			return errs.Invalid(fmt.Sprintf("table %s: row %d: %s", t.name, t.rows+1, c.Name), "%v", err)
		}
		args = append(args, sv)
	}
	w.rowArgs = args
	ctx := context.Background()
	w.args = append(w.args, args...)
	w.pending++
	if w.pending == w.insBatch || len(w.arena) > gpkgArenaBytes {
		if err := w.flushRows(ctx); err != nil {
			return err
		}
	}
	if t.geom && r.Geom != nil {
		if err := w.stage.add(ctx, rtreeBox{id: t.rows + 1, minx: box.MinLon, maxx: box.MaxLon, miny: box.MinLat, maxy: box.MaxLat}); err != nil {
			return fmt.Errorf("GeoPackage spatial index of %s: %w", t.name, err)
		}
		if !t.any {
			t.bounds, t.any = box, true
		} else {
			t.bounds.MinLat, t.bounds.MaxLat = min(t.bounds.MinLat, box.MinLat), max(t.bounds.MaxLat, box.MaxLat)
			t.bounds.MinLon, t.bounds.MaxLon = min(t.bounds.MinLon, box.MinLon), max(t.bounds.MaxLon, box.MaxLon)
		}
	}
	t.rows++
	w.rows++
	if w.rows >= gpkgBatchRows {
		return w.commitBatch()
	}
	return nil
}

// insertSQL is the current table's INSERT of n rows.
func (w *GPKGWriter) insertSQL(n int) string {
	return w.insPrefix + strings.TrimSuffix(strings.Repeat(w.insRow+", ", n), ", ")
}

// flushRows inserts the rows held back, in one statement.
func (w *GPKGWriter) flushRows(ctx context.Context) error {
	if w.pending == 0 {
		return nil
	}
	var err error
	if w.pending == w.insBatch {
		_, err = w.ins.ExecContext(ctx, w.args...)
	} else {
		_, err = w.tx.ExecContext(ctx, w.insertSQL(w.pending), w.args...)
	}
	clear(w.args) // let the values and blobs go
	w.args, w.arena, w.pending = w.args[:0], w.arena[:0], 0
	if err != nil {
		return fmt.Errorf("GeoPackage table %s: %w", w.table.Name, err)
	}
	return nil
}

// commitBatch commits the rows so far and carries on in a new transaction.
func (w *GPKGWriter) commitBatch() error {
	if err := w.flushRows(context.Background()); err != nil {
		return err
	}
	if err := w.tx.Commit(); err != nil {
		return fmt.Errorf("GeoPackage: %w", err)
	}
	ctx := context.Background()
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("GeoPackage: %w", err)
	}
	w.tx, w.rows = tx, 0
	w.ins = tx.StmtContext(ctx, w.ins)
	if w.stage.full != nil {
		w.stage.full = tx.StmtContext(ctx, w.stage.full)
	}
	return nil
}

// gpkgValue converts a Row value to what SQLite stores for the column type.
func gpkgValue(typ ColumnType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case Text:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case Integer:
		if n, ok := v.(int64); ok {
			return n, nil
		}
	case Real:
		if f, ok := v.(float64); ok {
			if !finite(f) {
				return nil, fmt.Errorf("%v is not a finite number", f)
			}
			return f, nil
		}
	case Bool:
		if b, ok := v.(bool); ok {
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case Date:
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format(time.DateOnly), nil
		}
	case DateTime:
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format(gpkgDateTimeLayout), nil
		}
	}
	return nil, fmt.Errorf("value of Go type %T does not fit a %s column", v, gpkgTypes[typ])
}

// gpkgDateTimeLayout is GeoPackage's DATETIME form (§1.1.1.1.3).
const gpkgDateTimeLayout = "2006-01-02T15:04:05.000Z"

// endTable finishes the current table's transaction and statements.
func (w *GPKGWriter) endTable() error {
	if w.tx == nil {
		return nil
	}
	err := w.flushRows(context.Background())
	w.ins.Close()
	w.ins = nil
	if err != nil {
		w.tx.Rollback()
		w.tx = nil
		return err
	}
	if t := w.tables[len(w.tables)-1]; t.geom {
		ctx := context.Background()
		err := w.stage.flush(ctx, w.tx)
		if err == nil {
			err = buildRTree(ctx, w.tx, "rtree_"+t.name+"_"+gpkgGeomColumn)
		}
		w.stage.full.Close()
		w.stage.full = nil
		if err != nil {
			w.tx.Rollback()
			w.tx = nil
			return fmt.Errorf("GeoPackage spatial index of %s: %w", t.name, err)
		}
	}
	err = w.tx.Commit()
	w.tx = nil
	if err != nil {
		return fmt.Errorf("GeoPackage: %w", err)
	}
	return nil
}

// Close finishes the file: the tables' bounds and last changes in
// gpkg_contents, the spatial index triggers, then the copy to the
// io.Writer when there is one. A GeoPackage with no table is still
// written (with its metadata tables only).
func (w *GPKGWriter) Close() error {
	err := w.err
	if err == nil && !w.started {
		err = w.start()
	}
	if err == nil {
		err = w.endTable()
	}
	if err == nil {
		err = w.finish()
	}
	if w.tx != nil { // after a failure
		w.tx.Rollback()
		w.tx = nil
	}
	if w.conn != nil {
		w.conn.Close()
	}
	if w.db != nil {
		if cerr := w.db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("GeoPackage: %w", cerr)
		}
	}
	if err == nil && w.out != nil {
		err = copyFile(w.out, w.path)
	}
	if w.path != "" && (w.out != nil || err != nil) {
		os.Remove(w.path)
	}
	w.conn, w.db, w.out = nil, nil, nil
	if err == nil {
		w.err = errors.New("GeoPackage: writer closed")
	} else {
		w.err = err
	}
	return err
}

func (w *GPKGWriter) finish() error {
	ctx := context.Background()
	now := w.opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("GeoPackage: %w", err)
	}
	defer tx.Rollback()
	for _, t := range w.tables {
		var bounds []any
		if t.any {
			bounds = []any{t.bounds.MinLon, t.bounds.MinLat, t.bounds.MaxLon, t.bounds.MaxLat}
		} else {
			bounds = []any{nil, nil, nil, nil}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE gpkg_contents SET last_change = ?, min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?",
			append(append([]any{now.UTC().Format(gpkgDateTimeLayout)}, bounds...), t.name)...); err != nil {
			return fmt.Errorf("GeoPackage contents: %w", err)
		}
		if t.geom {
			for _, s := range rtreeTriggers(t.name, gpkgGeomColumn, gpkgFIDColumn) {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return fmt.Errorf("GeoPackage spatial index triggers: %w", err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("GeoPackage: %w", err)
	}
	return nil
}

// rtreeTriggers returns the triggers of the GeoPackage 1.3 R*Tree
// extension (§F.3) that keep rtree_<t>_<c> in step with later edits (in
// QGIS, say). They call the ST_ functions a GeoPackage-aware SQLite
// provides; they are created after the bulk fill, so they never run here.
func rtreeTriggers(t, c, i string) []string {
	r := strings.NewReplacer("{t}", quoteIdent(t), "{c}", quoteIdent(c), "{i}", quoteIdent(i), "{r}", quoteIdent("rtree_"+t+"_"+c))
	s := func(name, body string) string {
		return r.Replace("CREATE TRIGGER " + quoteIdent("rtree_"+t+"_"+c+"_"+name) + " " + body)
	}
	return []string{
		s("insert", `AFTER INSERT ON {t} WHEN (new.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c})) BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})); END`),
		s("update1", `AFTER UPDATE OF {c} ON {t} WHEN OLD.{i} = NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c})) BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})); END`),
		s("update2", `AFTER UPDATE OF {c} ON {t} WHEN OLD.{i} = NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c})) BEGIN DELETE FROM {r} WHERE id = OLD.{i}; END`),
		s("update3", `AFTER UPDATE ON {t} WHEN OLD.{i} != NEW.{i} AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c})) BEGIN DELETE FROM {r} WHERE id = OLD.{i}; INSERT OR REPLACE INTO {r} VALUES (NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})); END`),
		s("update4", `AFTER UPDATE ON {t} WHEN OLD.{i} != NEW.{i} AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c})) BEGIN DELETE FROM {r} WHERE id IN (OLD.{i}, NEW.{i}); END`),
		s("delete", `AFTER DELETE ON {t} WHEN old.{c} NOT NULL BEGIN DELETE FROM {r} WHERE id = OLD.{i}; END`),
	}
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("GeoPackage: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("GeoPackage: copy out: %w", err)
	}
	return nil
}

var _ Writer = (*GPKGWriter)(nil)
