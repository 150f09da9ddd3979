package exchange

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// Limits of the GeoPackage reader.
const (
	// DefaultGPKGMaxBytes is the largest GeoPackage file read unless
	// GPKGReadOptions says otherwise.
	DefaultGPKGMaxBytes = 4 << 30
	// gpkgMaxGeometryBytes bounds one geometry blob: 64 MiB holds four
	// million positions, well past what one record of Truce needs.
	gpkgMaxGeometryBytes = 64 << 20
	// gpkgMaxValueBytes bounds one text value.
	gpkgMaxValueBytes = 1 << 20
	// gpkgMaxColumns bounds a table's columns (SQLite's own default limit).
	gpkgMaxColumns = 2000
)

// The application ids of GeoPackage files: 1.2 and later, 1.1, 1.0.
var gpkgApplicationIDs = []uint32{gpkgApplicationID, 0x47503131, 0x47503130}

// GPKGReadOptions says what to read from a GeoPackage.
type GPKGReadOptions struct {
	// Table is the table to read; "" means the only features table (or,
	// when there is none, the only attributes table).
	Table string
	// MaxBytes is the largest file accepted; 0 means DefaultGPKGMaxBytes.
	MaxBytes int64
	// TempDir is where ReadGPKG keeps its copy; "" is os.TempDir().
	TempDir string
}

// GPKGReader reads the rows of one table of a GeoPackage as Features:
// Props keyed by column name (the integer key and the geometry column left
// out, BLOB columns ignored), typed by the column's declared type — TEXT
// as string, INTEGER as int64, REAL as float64, BOOLEAN as bool, DATE and
// DATETIME as time.Time in UTC — and Geom in longitude-latitude (Z and M
// dropped).
//
// The file is untrusted: it is opened read-only and immutable, with
// SQLite's defensive mode on and trusted_schema off, so that no trigger
// runs, no extension loads and no function in its schema is called; only
// plain tables are read, never views, and every value's size is checked
// before it is fetched.
type GPKGReader struct {
	db      *sql.DB
	rows    *sql.Rows
	temp    string // a copy to remove at Close
	table   string
	geomCol string
	geomTyp string
	srsID   int32 // the geometry column's
	cols    []Column
	n       int
	dest    []any
	lens    []sql.NullInt64
	vals    []any
	err     error
}

// ReadGPKG copies r to a temporary file (SQLite reads files, not
// streams), refusing more than opt.MaxBytes, and opens it as OpenGPKG
// does. Close removes the copy.
func ReadGPKG(r io.Reader, opt GPKGReadOptions) (*GPKGReader, error) {
	max := opt.MaxBytes
	if max <= 0 {
		max = DefaultGPKGMaxBytes
	}
	f, err := os.CreateTemp(opt.TempDir, "truce-import-*.gpkg")
	if err != nil {
		return nil, fmt.Errorf("GeoPackage temporary file: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > max {
		err = errs.TooLarge("file", "the GeoPackage is larger than %d bytes", max)
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	gr, err := OpenGPKG(f.Name(), opt)
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	gr.temp = f.Name()
	return gr, nil
}

// OpenGPKG opens the GeoPackage at path and prepares to read the table
// opt chooses. It refuses a file that is not SQLite, a SQLite file that
// is not a GeoPackage (application_id, metadata tables), a truncated or
// oversized file, a table that is missing or is a view, and geometries in
// a reference system other than WGS 84 longitude-latitude.
func OpenGPKG(path string, opt GPKGReadOptions) (*GPKGReader, error) {
	if err := checkGPKGFile(path, opt.MaxBytes); err != nil {
		return nil, err
	}
	dsn := sqliteURI(path) + "?mode=ro&immutable=1&_defensive=1&_query_only=1" +
		"&_pragma=trusted_schema(0)&_pragma=cell_size_check(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open GeoPackage: %w", err)
	}
	db.SetMaxOpenConns(1)
	r := &GPKGReader{db: db}
	if err := r.open(opt.Table); err != nil {
		db.Close()
		return nil, err
	}
	return r, nil
}

// checkGPKGFile reads the SQLite header: the magic string, the
// application id, and the page count against the file's size.
func checkGPKGFile(path string, max int64) error {
	if max <= 0 {
		max = DefaultGPKGMaxBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open GeoPackage: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open GeoPackage: %w", err)
	}
	if !st.Mode().IsRegular() {
		return errs.Invalid("file", "is not a regular file")
	}
	if st.Size() > max {
		return errs.TooLarge("file", "the GeoPackage is %d bytes, more than the %d accepted", st.Size(), max)
	}
	var h [100]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || !bytes.Equal(h[:16], []byte("SQLite format 3\x00")) {
		return errs.Invalid("file", "is not a GeoPackage: not an SQLite database file")
	}
	id := binary.BigEndian.Uint32(h[68:72])
	if !slices.Contains(gpkgApplicationIDs, id) {
		return errs.Invalid("file", "is not a GeoPackage: an SQLite database whose application_id is %#08x, not \"GPKG\"", id)
	}
	pageSize := int64(binary.BigEndian.Uint16(h[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return errs.Invalid("file", "is damaged: SQLite page size %d", pageSize)
	}
	pages := int64(binary.BigEndian.Uint32(h[28:32]))
	// The page count in the header is valid when the version-valid-for
	// number matches the change counter (SQLite 3.7.0 and later).
	if binary.BigEndian.Uint32(h[92:96]) == binary.BigEndian.Uint32(h[24:28]) && pages > 0 && pages*pageSize > st.Size() {
		return errs.Invalid("file", "is truncated: the database has %d pages of %d bytes but the file holds %d bytes", pages, pageSize, st.Size())
	}
	if st.Size()%pageSize != 0 {
		return errs.Invalid("file", "is truncated or damaged: %d bytes is not a whole number of %d-byte pages", st.Size(), pageSize)
	}
	return nil
}

// dbError turns an SQLite failure on the untrusted file into a message
// for the importer: the file is damaged, not our database.
func dbError(what string, err error) error {
	return errs.Invalid("file", "cannot be read as a GeoPackage (%s): %v", what, err)
}

func (r *GPKGReader) open(table string) error {
	ctx := context.Background()
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('gpkg_contents', 'gpkg_spatial_ref_sys')`).Scan(&n)
	if err != nil {
		return dbError("schema", err)
	}
	if n != 2 {
		return errs.Invalid("file", "is not a GeoPackage: it lacks the gpkg_contents and gpkg_spatial_ref_sys tables")
	}
	tables, err := r.contents(ctx)
	if err != nil {
		return err
	}
	if table == "" {
		var features, attributes []string
		for name, kind := range tables {
			if kind == "features" {
				features = append(features, name)
			} else {
				attributes = append(attributes, name)
			}
		}
		slices.Sort(features)
		slices.Sort(attributes)
		switch {
		case len(features) == 1:
			table = features[0]
		case len(features) == 0 && len(attributes) == 1:
			table = attributes[0]
		case len(features)+len(attributes) == 0:
			return errs.Invalid("table", "the GeoPackage holds no features or attributes table")
		default:
			return errs.Invalid("table", "the GeoPackage holds several tables (%s); choose one", strings.Join(append(features, attributes...), ", "))
		}
	} else if _, ok := tables[table]; !ok {
		names := make([]string, 0, len(tables))
		for name := range tables {
			names = append(names, name)
		}
		slices.Sort(names)
		return errs.Invalid("table", "the GeoPackage has no table %q (it has: %s)", table, strings.Join(names, ", "))
	}
	r.table = table
	var kind string
	err = r.db.QueryRowContext(ctx, `SELECT type FROM sqlite_master WHERE name = ?`, table).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Invalid("table", "table %q is listed in gpkg_contents but does not exist", table)
	}
	if err != nil {
		return dbError("schema", err)
	}
	if kind != "table" {
		return errs.Invalid("table", "%q is a %s, not a table; only tables are read", table, kind)
	}
	if tables[table] == "features" {
		if err := r.geometryColumn(ctx); err != nil {
			return err
		}
	}
	return r.columns(ctx)
}

// contents returns gpkg_contents' features and attributes tables.
func (r *GPKGReader) contents(ctx context.Context) (map[string]string, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT table_name, data_type FROM gpkg_contents WHERE data_type IN ('features', 'attributes') LIMIT 10000`)
	if err != nil {
		return nil, dbError("gpkg_contents", err)
	}
	defer rows.Close()
	tables := map[string]string{}
	for rows.Next() {
		var name, kind sql.NullString
		if err := rows.Scan(&name, &kind); err != nil {
			return nil, dbError("gpkg_contents", err)
		}
		if !name.Valid || len(name.String) > 1000 || !utf8.ValidString(name.String) {
			return nil, errs.Invalid("file", "gpkg_contents lists a table without a usable name")
		}
		tables[name.String] = kind.String
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("gpkg_contents", err)
	}
	return tables, nil
}

// geometryColumn finds the features table's geometry column and checks
// its reference system.
func (r *GPKGReader) geometryColumn(ctx context.Context) error {
	var srs int64
	err := r.db.QueryRowContext(ctx, `SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?`, r.table).
		Scan(&r.geomCol, &r.geomTyp, &srs)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Invalid("table", "features table %q has no row in gpkg_geometry_columns", r.table)
	}
	if err != nil {
		return dbError("gpkg_geometry_columns", err)
	}
	var org string
	var code int64
	err = r.db.QueryRowContext(ctx, `SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = ?`, srs).Scan(&org, &code)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Invalid("table", "table %q: spatial reference system %d is not in gpkg_spatial_ref_sys", r.table, srs)
	}
	if err != nil {
		return dbError("gpkg_spatial_ref_sys", err)
	}
	r.srsID = int32(srs)
	org = strings.ToUpper(org)
	if !(org == "EPSG" && code == 4326) && !(org == "OGC" && code == 84) {
		return errs.Invalid("table", "table %q is in %s:%d; only WGS 84 longitude-latitude (EPSG:4326) is read: convert it first, e.g. ogr2ogr -t_srs EPSG:4326 out.gpkg in.gpkg", r.table, org, code)
	}
	return nil
}

// gpkgColumnTypes maps declared column types (upper case, without a
// length) to Truce's column types.
var gpkgColumnTypes = map[string]ColumnType{
	"TEXT": Text, "INTEGER": Integer, "INT": Integer, "MEDIUMINT": Integer, "SMALLINT": Integer, "TINYINT": Integer,
	"REAL": Real, "DOUBLE": Real, "FLOAT": Real, "BOOLEAN": Bool, "DATE": Date, "DATETIME": DateTime,
}

// columns reads the table's columns and prepares the query.
func (r *GPKGReader) columns(ctx context.Context) error {
	rows, err := r.db.QueryContext(ctx, `SELECT name, type, pk FROM pragma_table_info(?)`, r.table)
	if err != nil {
		return dbError("columns", err)
	}
	defer rows.Close()
	var pk string
	var pks int
	var selects []string
	for rows.Next() {
		var name, typ string
		var isPK int
		if err := rows.Scan(&name, &typ, &isPK); err != nil {
			return dbError("columns", err)
		}
		if len(selects) > gpkgMaxColumns {
			return errs.Invalid("table", "table %q has more than %d columns", r.table, gpkgMaxColumns)
		}
		base := strings.ToUpper(strings.TrimSpace(typ))
		if i := strings.IndexByte(base, '('); i >= 0 {
			base = strings.TrimSpace(base[:i])
		}
		if isPK > 0 {
			pks++
			if base == "INTEGER" {
				pk = name
				continue
			}
		}
		if name == r.geomCol {
			continue
		}
		ct, ok := gpkgColumnTypes[base]
		if base == "BLOB" {
			continue
		}
		if !ok {
			return errs.Invalid("table", "table %q: column %q has type %q, which GeoPackage does not define", r.table, name, typ)
		}
		r.cols = append(r.cols, Column{Name: name, Type: ct})
		q := quoteIdent(name)
		selects = append(selects, "octet_length("+q+"), CASE WHEN octet_length("+q+") <= "+strconv.Itoa(gpkgMaxValueBytes)+" THEN "+q+" END")
	}
	if err := rows.Err(); err != nil {
		return dbError("columns", err)
	}
	if pks != 1 {
		pk = "" // a composite key is no feature id
	}
	geom := "NULL, NULL"
	if r.geomCol != "" {
		q := quoteIdent(r.geomCol)
		geom = "octet_length(" + q + "), CASE WHEN octet_length(" + q + ") <= " + strconv.Itoa(gpkgMaxGeometryBytes) + " THEN " + q + " END"
	}
	query := "SELECT " + strings.Join(append([]string{geom}, selects...), ", ") + " FROM " + quoteIdent(r.table)
	if pk != "" {
		query += " ORDER BY " + quoteIdent(pk)
	}
	if r.rows, err = r.db.QueryContext(ctx, query); err != nil {
		return dbError("rows", err)
	}
	n := 1 + len(r.cols)
	r.lens = make([]sql.NullInt64, n)
	r.vals = make([]any, n)
	r.dest = make([]any, 0, 2*n)
	for i := range n {
		r.dest = append(r.dest, &r.lens[i], &r.vals[i])
	}
	return nil
}

// Table returns the name of the table being read.
func (r *GPKGReader) Table() string { return r.table }

// Columns returns the columns read into Props, typed as declared.
func (r *GPKGReader) Columns() []Column { return slices.Clone(r.cols) }

// Next returns the next row, or io.EOF after the last. An error about a
// value names the feature and column ("feature 12: name"); after an error
// about the file itself every call returns it.
func (r *GPKGReader) Next() (Feature, error) {
	if r.err != nil {
		return Feature{}, r.err
	}
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			r.err = dbError("rows", err)
			return Feature{}, r.err
		}
		r.err = io.EOF
		return Feature{}, io.EOF
	}
	clear(r.vals)
	if err := r.rows.Scan(r.dest...); err != nil {
		r.err = dbError("rows", err)
		return Feature{}, r.err
	}
	r.n++
	f := Feature{Number: r.n, Props: make(map[string]any, len(r.cols))}
	var c errs.Collector
	if r.geomCol != "" && r.lens[0].Valid {
		field := fmt.Sprintf("feature %d: %s", r.n, r.geomCol)
		if r.lens[0].Int64 > gpkgMaxGeometryBytes {
			c.Add(errs.TooLarge(field, "geometry of %d bytes exceeds the %d accepted", r.lens[0].Int64, gpkgMaxGeometryBytes))
		} else if b, ok := r.vals[0].([]byte); !ok {
			c.Add(errs.Invalid(field, "is a %s, not a GeoPackage geometry blob", sqlKind(r.vals[0])))
		} else if g, srs, err := DecodeGPKGGeometry(b); err != nil {
			c.Add(errs.Prefix(field, err))
		} else if g != nil && srs != r.srsID {
			c.Add(errs.Invalid(field, "the geometry is in spatial reference system %d, its column in %d", srs, r.srsID))
		} else {
			f.Geom = g
		}
	}
	for i, col := range r.cols {
		field := fmt.Sprintf("feature %d: %s", r.n, col.Name)
		if l := r.lens[i+1]; l.Valid && l.Int64 > gpkgMaxValueBytes {
			c.Add(errs.TooLarge(field, "value of %d bytes exceeds the %d accepted", l.Int64, gpkgMaxValueBytes))
			continue
		}
		v, err := gpkgProp(col.Type, r.vals[i+1])
		if err != nil {
			c.Add(errs.Invalid(field, "%v", err))
			continue
		}
		f.Props[col.Name] = v
	}
	if err := c.Err(); err != nil {
		return f, err
	}
	return f, nil
}

func sqlKind(v any) string {
	switch v.(type) {
	case nil:
		return "NULL"
	case int64:
		return "integer"
	case float64:
		return "real number"
	case string:
		return "text"
	case []byte:
		return "blob"
	}
	return fmt.Sprintf("%T", v)
}

// gpkgProp converts a value SQLite returned to the Go type of the
// column's declared type.
func gpkgProp(typ ColumnType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok && typ == Text {
		v = string(b)
	}
	switch typ {
	case Text:
		switch x := v.(type) {
		case string:
			if !utf8.ValidString(x) {
				return nil, errors.New("is not valid UTF-8")
			}
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
	case Integer:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		}
	case Real:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case Bool:
		if x, ok := v.(int64); ok && (x == 0 || x == 1) {
			return x == 1, nil
		}
		return nil, fmt.Errorf("a BOOLEAN must be 0 or 1, got %v", v)
	case Date:
		if x, ok := v.(string); ok {
			t, err := time.Parse(time.DateOnly, x)
			if err != nil {
				return nil, fmt.Errorf("date %q is not YYYY-MM-DD", x)
			}
			return t, nil
		}
	case DateTime:
		if x, ok := v.(string); ok {
			t, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				t, err = time.Parse("2006-01-02T15:04:05.999999999", x)
			}
			if err != nil {
				return nil, fmt.Errorf("date and time %q is not ISO 8601 (YYYY-MM-DDTHH:MM:SS.SSSZ)", x)
			}
			return t.UTC(), nil
		}
	}
	return nil, fmt.Errorf("a %s in a %s column", sqlKind(v), gpkgTypes[typ])
}

// Close releases the file (and removes ReadGPKG's copy).
func (r *GPKGReader) Close() error {
	if r.rows != nil {
		r.rows.Close()
	}
	err := r.db.Close()
	if r.temp != "" {
		if rerr := os.Remove(r.temp); err == nil {
			err = rerr
		}
	}
	if r.err == nil {
		r.err = errors.New("GeoPackage: reader closed")
	}
	return err
}

var _ FeatureReader = (*GPKGReader)(nil)

// gpkgGeometryType names the geo type of a gpkg_geometry_columns type, ""
// for GEOMETRY and types Truce has not.
func gpkgGeometryType(name string) geo.GeometryType {
	for t, n := range gpkgGeometryNames {
		if strings.EqualFold(n, name) {
			return t
		}
	}
	return ""
}

// Geometry returns the geometry type the table declares, "" when it has
// no geometry column or declares GEOMETRY (any).
func (r *GPKGReader) Geometry() geo.GeometryType { return gpkgGeometryType(r.geomTyp) }
