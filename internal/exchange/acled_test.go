package exchange

import (
	"bytes"
	"encoding/csv"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// acledTestAllegations has the allegations table's columns the ACLED
// writer reads, by the names of internal/exchange/tables.go.
var acledTestAllegations = Table{Name: "allegations", Geometry: geo.TypePoint, Columns: []Column{
	{Name: "id", Type: Text}, {Name: "external_id", Type: Text}, {Name: "source_kind", Type: Text},
	{Name: "lodged_by", Type: Text}, {Name: "lodged_by_name", Type: Text},
	{Name: "alleged_perpetrator", Type: Text}, {Name: "alleged_perpetrator_name", Type: Text},
	{Name: "category", Type: Text}, {Name: "acled_event_type", Type: Text}, {Name: "acled_sub_event_type", Type: Text},
	{Name: "start", Type: DateTime}, {Name: "end", Type: DateTime}, {Name: "time_precision", Type: Text}, {Name: "date", Type: Date},
	{Name: "lat", Type: Real}, {Name: "lon", Type: Real}, {Name: "location_precision", Type: Text},
	{Name: "killed_civilians_best", Type: Integer}, {Name: "killed_military_best", Type: Integer},
	{Name: "narrative", Type: Text}, {Name: "status", Type: Text}, {Name: "lodged_at", Type: DateTime},
	{Name: "nearest_place_name", Type: Text},
}}

func acledTestRow(values map[string]any) Row {
	r := Row{Values: make([]any, len(acledTestAllegations.Columns))}
	for i, c := range acledTestAllegations.Columns {
		r.Values[i] = values[c.Name]
	}
	if lat, ok := values["lat"].(float64); ok {
		g := geo.PointGeometry(geo.Point{Lat: lat, Lon: values["lon"].(float64)})
		r.Geom = &g
	}
	return r
}

func ymd(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestACLEDRoundTrip(t *testing.T) {
	shelling := map[string]any{
		"id": "01HX0000000000000000000001", "source_kind": "side", "lodged_by": "org-am", "lodged_by_name": "Armenia",
		"alleged_perpetrator": "org-az", "alleged_perpetrator_name": "Azerbaijan",
		"category": "heavy_weapons_fire", "acled_event_type": "Explosions/Remote violence", "acled_sub_event_type": "Shelling/artillery/missile attack",
		"start": ymd(2021, 6, 12), "end": ymd(2021, 6, 13), "time_precision": "day", "date": ymd(2021, 6, 12),
		"lat": 39.8177, "lon": 46.7528, "location_precision": "exact",
		"killed_military_best": int64(2), "narrative": "Artillery fire on positions near the village,\n\"heavy\", at dawn.",
		"status": "lodged", "lodged_at": time.Date(2021, 6, 12, 9, 0, 0, 0, time.UTC), "nearest_place_name": "Shusha / Şuşa",
	}
	civilians := map[string]any{
		"id": "01HX0000000000000000000002", "source_kind": "media", "lodged_by_name": "Outlet",
		"alleged_perpetrator": "unknown", "alleged_perpetrator_name": "unknown",
		"category": "violence_against_civilians", "acled_event_type": "Violence against civilians", "acled_sub_event_type": "Attack",
		"start": ymd(2021, 6, 1), "end": ymd(2021, 7, 1), "time_precision": "window", "date": ymd(2021, 6, 1),
		"lat": 40.1, "lon": 46.2, "location_precision": "region",
		"killed_civilians_best": int64(1), "narrative": "A shepherd was shot.", "status": "withdrawn",
	}
	var buf bytes.Buffer
	w := NewACLEDWriter(&buf, ACLEDOptions{Country: "Azerbaijan", ISO: 31, Region: "Caucasus and Central Asia"})
	if err := w.Begin(acledTestAllegations); err != nil {
		t.Fatal(err)
	}
	for _, v := range []map[string]any{shelling, civilians} {
		if err := w.Write(acledTestRow(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// The file as ACLED writes it.
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], ACLEDColumns) {
		t.Fatalf("header %v", rows[0])
	}
	got := map[string]string{}
	for i, c := range rows[0] {
		got[c] = rows[1][i]
	}
	want := map[string]string{
		"event_id_cnty": "01HX0000000000000000000001", "event_date": "2021-06-12", "year": "2021", "time_precision": "1",
		"disorder_type": "Political violence", "event_type": "Explosions/Remote violence", "sub_event_type": "Shelling/artillery/missile attack",
		"actor1": "Azerbaijan", "inter1": "1", "interaction": "10", "iso": "31", "region": "Caucasus and Central Asia", "country": "Azerbaijan",
		"location": "Shusha / Şuşa", "latitude": "39.8177", "longitude": "46.7528", "geo_precision": "1", "source": "Armenia",
		"notes": shelling["narrative"].(string), "fatalities": "2", "tags": "truce allegation; source kind=side", "timestamp": "1623488400",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	second := map[string]string{}
	for i, c := range rows[0] {
		second[c] = rows[2][i]
	}
	for k, v := range map[string]string{"event_date": "2021-06-16", "time_precision": "3", "actor1": "", "actor2": "Civilians",
		"inter2": "7", "interaction": "70", "civilian_targeting": "Civilian targeting", "geo_precision": "3", "fatalities": "1"} {
		if second[k] != v {
			t.Errorf("second row: %s = %q, want %q", k, second[k], v)
		}
	}

	// Read back: what ACLED can carry comes back under the allegations'
	// column names.
	r, err := NewACLEDReader(bytes.NewReader(buf.Bytes()), "allegations", ACLEDReadOptions{Actors: map[string]string{"AZERBAIJAN": "org-az"}, LodgedBy: "org-am"})
	if err != nil {
		t.Fatal(err)
	}
	fs := readAllOK(t, r)
	if len(fs) != 2 {
		t.Fatalf("%d features", len(fs))
	}
	wantProps := map[string]any{
		"external_id": "01HX0000000000000000000001", "source_kind": "side", "lodged_by": "org-am", "lodged_by_name": "Armenia",
		"alleged_perpetrator": "org-az", "alleged_perpetrator_name": "Azerbaijan",
		"category": "heavy_weapons_fire", "acled_event_type": "Explosions/Remote violence", "acled_sub_event_type": "Shelling/artillery/missile attack",
		"start": ymd(2021, 6, 12), "end": ymd(2021, 6, 13), "time_precision": "day", "date": ymd(2021, 6, 12),
		"lat": 39.8177, "lon": 46.7528, "location_precision": "exact", "killed_military_best": int64(2),
		"narrative": shelling["narrative"], "nearest_place_name": "Shusha / Şuşa",
	}
	if !reflect.DeepEqual(fs[0].Props, wantProps) {
		t.Errorf("props:\n got %v\nwant %v", fs[0].Props, wantProps)
	}
	if fs[0].Number != 2 || fs[1].Number != 4 { // the first notes hold a newline
		t.Errorf("numbers %d, %d", fs[0].Number, fs[1].Number)
	}
	if *fs[0].Geom.Point != (geo.Point{Lat: 39.8177, Lon: 46.7528}) {
		t.Errorf("geometry %v", fs[0].Geom)
	}
	p := fs[1].Props
	if p["category"] != "violence_against_civilians" || p["killed_civilians_best"] != int64(1) || p["status"] != "withdrawn" ||
		p["alleged_perpetrator"] != "unknown" || p["start"] != ymd(2021, 6, 1) || p["end"] != ymd(2021, 7, 1) || p["location_precision"] != "region" {
		t.Errorf("second: %v", p)
	}
}

func TestACLEDReadsACLEDsOwnFiles(t *testing.T) {
	// Upper-case headers as older files have them, a BOM, a dropped
	// column (data_id), the spreadsheet date form, a quoted newline,
	// event types ACLED has and Truce's taxonomy does not.
	file := "\xEF\xBB\xBFDATA_ID,EVENT_ID_CNTY,EVENT_DATE,YEAR,TIME_PRECISION,EVENT_TYPE,SUB_EVENT_TYPE,ACTOR1,LATITUDE,LONGITUDE,GEO_PRECISION,NOTES,FATALITIES\r\n" +
		"1,AZE123,12 June 2021,2021,2,Battles,Armed clash,Military Forces of Armenia (2018-),39.9,46.6,2,\"On 12 June,\nclashes.\",3\r\n" +
		"2,AZE124,2021-06-13,2021,1,Protests,Peaceful protest,Protesters (Azerbaijan),40.4,49.8,1,,0\r\n"
	r, err := NewACLEDReader(strings.NewReader(file), "observations", ACLEDReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fs := readAllOK(t, r)
	if len(fs) != 2 {
		t.Fatalf("%d", len(fs))
	}
	p := fs[0].Props
	if p["external_id"] != "AZE123" || p["kind"] != "shots_small_arms" || p["category"] != "small_arms_fire" ||
		p["start"] != ymd(2021, 6, 9) || p["end"] != ymd(2021, 6, 16) || p["note"] != "On 12 June,\nclashes." || p["observer_kind"] != "patrol" {
		t.Errorf("first: %v", p)
	}
	if fs[1].Number != 4 || fs[1].Props["category"] != "other" || fs[1].Props["kind"] != "other" {
		t.Errorf("second: %d %v", fs[1].Number, fs[1].Props)
	}
}

func TestACLEDBadInput(t *testing.T) {
	header := "event_id_cnty,event_date,year,event_type,sub_event_type,latitude,longitude,fatalities\n"
	cases := []struct {
		name, file string
		fields     []string // every error's field, in order
		message    string   // part of the first
	}{
		{"empty", "", []string{"line 1"}, "empty"},
		{"not ACLED", "id,name,lat,lon\n1,a,40,46\n", []string{"line 1: column 1", "line 1: column 2", "line 1: column 3", "line 1: column 4",
			"line 1: event_id_cnty", "line 1: event_date", "line 1: event_type", "line 1: sub_event_type", "line 1: latitude", "line 1: longitude"}, "not one of ACLED's columns"},
		{"missing columns", "event_id_cnty,event_date,event_type\nA1,2021-06-12,Battles\n",
			[]string{"line 1: sub_event_type", "line 1: latitude", "line 1: longitude"}, "has no sub_event_type column"},
		{"duplicate column", "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,latitude\n", []string{"line 1: column 7"}, "second column"},
		{"extra field", header + "A1,2021-06-12,2021,Battles,Armed clash,40,46,0,surplus\n", []string{"line 2"}, "has 9 fields; the header has 8"},
		{"missing field", header + "A1,2021-06-12,2021,Battles,Armed clash,40,46\n", []string{"line 2"}, "has 7 fields"},
		{"local date", header + "A1,12/06/2021,2021,Battles,Armed clash,40,46,0\n", []string{"line 2: event_date"}, "ambiguous between day and month"},
		{"dashed local date", header + "A1,12-06-2021,2021,Battles,Armed clash,40,46,0\n", []string{"line 2: event_date"}, "ambiguous"},
		{"year disagrees", header + "A1,2021-06-12,2020,Battles,Armed clash,40,46,0\n", []string{"line 2: year"}, "not the year"},
		{"every bad field", header + "A1,2021-13-40,2021,Fights,Armed clash,forty,46,-2\n",
			[]string{"line 2: event_date", "line 2: event_type", "line 2: latitude", "line 2: fatalities"}, "not a date"},
		{"swapped", header + "A1,2021-06-12,2021,Battles,Armed clash,146.5,40.1,0\n", []string{"line 2: latitude"}, "swapped"},
		{"decimal comma", header + "A1,2021-06-12,2021,Battles,Armed clash,\"40,5\",46,0\n", []string{"line 2: latitude"}, "decimal point"},
		{"no id", header + ",2021-06-12,2021,Battles,Armed clash,40,46,0\n", []string{"line 2: event_id_cnty"}, "required"},
		{"invalid UTF-8", header + "A1,2021-06-12,2021,Battles,Armed clash,40,46,0\n" + "A2,2021-06-12,2021,Battles,Armed \xff,40,46,0\n", []string{"line 3: sub_event_type"}, "UTF-8"},
		{"broken quote", header + "A1,\"2021-06-12,2021,Battles,Armed clash,40,46,0\n", []string{"line 2"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewACLEDReader(strings.NewReader(c.file), "allegations", ACLEDReadOptions{})
			for err == nil {
				_, err = r.Next()
				if err == io.EOF {
					t.Fatal("no error")
				}
			}
			var fields []string
			for _, e := range errs.All(err) {
				fields = append(fields, e.Field)
			}
			if !reflect.DeepEqual(fields, c.fields) || !strings.Contains(err.Error(), c.message) || errs.CodeOf(err) != errs.CodeInvalid {
				t.Errorf("got %v (fields %q), want fields %q and %q", err, fields, c.fields, c.message)
			}
		})
	}
}
