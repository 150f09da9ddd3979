package exchange

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// ExportRequest says what to export: a kind (a table name, or layers),
// a format and the kind's list filters, by the names its API list uses.
type ExportRequest struct {
	Kind     string
	Format   string
	Filter   url.Values
	Progress func(rows int) // called every 1000 rows and at the end; may be nil
}

// FormatInfo is what the HTTP and command-line faces need to know of a
// format.
type FormatInfo struct {
	ContentType string
	Extension   string // with the dot
	OneTable    bool   // a file holds one table (one geometry type)
}

// Formats are the export formats, by name.
var Formats = map[string]FormatInfo{
	FormatGeoJSON:    {ContentType: GeoJSONContentType, Extension: ".geojson", OneTable: true},
	FormatCSV:        {ContentType: CSVContentType, Extension: ".csv", OneTable: true},
	FormatGeoPackage: {ContentType: "application/geopackage+sqlite3", Extension: ".gpkg"},
	FormatKML:        {ContentType: "application/vnd.google-earth.kml+xml", Extension: ".kml"},
	FormatACLED:      {ContentType: CSVContentType, Extension: ".csv", OneTable: true},
	FormatUCDP:       {ContentType: CSVContentType, Extension: ".csv", OneTable: true},
}

// ExportFormats are the export formats in the order menus offer them.
var ExportFormats = []string{FormatGeoJSON, FormatGeoPackage, FormatKML, FormatCSV, FormatACLED, FormatUCDP}

// NewWriter returns the Writer of format on w. The formats another part of
// the exchange work provides are refused here until they are merged in.
func NewWriter(format string, w io.Writer) (Writer, error) {
	switch format {
	case FormatGeoJSON:
		return NewGeoJSONWriter(w), nil
	case FormatCSV:
		return NewCSVWriter(w), nil
	case FormatGeoPackage:
		return NewGPKGWriter(w, GPKGOptions{}), nil
	case FormatKML:
		return NewKMLWriter(w, "Truce export"), nil
	case FormatACLED:
		return NewACLEDWriter(w, ACLEDOptions{}), nil
	case FormatUCDP:
		return NewUCDPWriter(w, UCDPOptions{}), nil
	}
	return nil, errs.Invalid("format", "must be one of %s", strings.Join(ExportFormats, ", "))
}

// FileName is the name an export's file is offered under.
func FileName(kind, format string) string {
	ext := ".dat"
	if f, ok := Formats[format]; ok {
		ext = f.Extension
	}
	if format == FormatACLED || format == FormatUCDP {
		kind += "_" + format
	}
	return "truce_" + kind + ext
}

// Plan checks an export request and returns the tables it would write,
// without reading any record: the faces call it to refuse a bad request
// before they start a response or a file.
func (s *Service) Plan(p access.Principal, req ExportRequest) ([]Table, error) {
	srcs, err := s.sources(p, req, func() orgNames { return nil })
	if err != nil {
		return nil, err
	}
	out := make([]Table, len(srcs))
	for i, src := range srcs {
		out[i] = src.table
	}
	return out, nil
}

// Export streams the records of req.Kind that p may read, filtered as the
// kind's list is, to w in req.Format. Memory stays flat whatever the
// number of records. It returns the number of rows written.
func (s *Service) Export(ctx context.Context, p access.Principal, req ExportRequest, w io.Writer) (int, error) {
	var orgs orgNames
	srcs, err := s.sources(p, req, func() orgNames { return orgs })
	if err != nil {
		return 0, err
	}
	wr, err := NewWriter(req.Format, w)
	if err != nil {
		return 0, err
	}
	if orgs, err = s.orgNames(ctx, p); err != nil {
		return 0, fmt.Errorf("export %s: %w", req.Kind, err)
	}
	n := 0
	emit := func(r Row) error {
		if err := wr.Write(r); err != nil {
			return err
		}
		n++
		if req.Progress != nil && n%1000 == 0 {
			req.Progress(n)
		}
		return nil
	}
	for _, src := range srcs {
		if err := wr.Begin(src.table); err != nil {
			return n, err
		}
		if err := src.rows(ctx, emit); err != nil {
			return n, fmt.Errorf("export %s: %w", src.table.Name, err)
		}
	}
	if err := wr.Close(); err != nil {
		return n, err
	}
	if req.Progress != nil {
		req.Progress(n)
	}
	return n, nil
}

// sources checks req and returns the sources of its tables, with the
// filters parsed: nothing is read yet.
func (s *Service) sources(p access.Principal, req ExportRequest, orgs func() orgNames) ([]source, error) {
	if !slices.Contains(Kinds(), req.Kind) {
		return nil, errs.Invalid("kind", "must be one of %s", strings.Join(Kinds(), ", "))
	}
	f, ok := Formats[req.Format]
	if !ok {
		return nil, errs.Invalid("format", "must be one of %s", strings.Join(ExportFormats, ", "))
	}
	if (req.Format == FormatACLED || req.Format == FormatUCDP) && !slices.Contains([]string{TableIncidents, TableAllegations, TableObservations}, req.Kind) {
		return nil, errs.Invalid("format", "%s files hold events: export incidents, allegations or observations in it, or %s in another format", strings.ToUpper(req.Format), req.Kind)
	}
	v := req.Filter
	if v == nil {
		v = url.Values{}
	}
	if err := checkFilter(req.Kind, v); err != nil {
		return nil, err
	}
	var one func(access.Principal, url.Values, func() orgNames) (source, error)
	switch req.Kind {
	case TableIncidents:
		one = s.incidentSource
	case TableAllegations:
		one = s.allegationSource
	case TableObservations:
		one = s.observationSource
	case TablePatrols:
		one = s.patrolSource
	case TablePlaces:
		one = s.placeSource
	case TableMinefields:
		one = s.minefieldSource
	case TableHazardAreas:
		one = s.hazardAreaSource
	case TableCrossings:
		one = s.crossingSource
	case TableRestrictions:
		one = s.restrictionSource
	case TableReturns:
		one = s.returnSource
	case TablePersonsHeld:
		one = s.personSource
	}
	var srcs []source
	if one != nil {
		src, err := one(p, v, orgs)
		if err != nil {
			return nil, err
		}
		srcs = []source{src}
	} else {
		var err error
		if srcs, err = s.layerSources(p, req.Kind, v, orgs); err != nil {
			return nil, err
		}
	}
	if f.OneTable && len(srcs) > 1 {
		names := make([]string, len(srcs))
		for i, src := range srcs {
			names[i] = src.table.Name
		}
		return nil, errs.Invalid("kind", "a %s file holds one geometry type: export one of %s, or layers with kind=zone (or line_of_contact, corridor, site)",
			req.Format, strings.Join(names, ", "))
	}
	return srcs, nil
}
