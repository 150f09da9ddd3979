package exchange

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"
	"time"
)

func TestUCDPWriter(t *testing.T) {
	tb := acledTestAllegations
	tb.Columns = append(append([]Column(nil), tb.Columns...),
		Column{Name: "on_behalf_of", Type: Text}, Column{Name: "on_behalf_of_name", Type: Text},
		Column{Name: "killed_military_by_side", Type: Text}, Column{Name: "killed_civilians_low", Type: Integer},
		Column{Name: "killed_civilians_high", Type: Integer}, Column{Name: "zone_name", Type: Text})
	row := func(values map[string]any) Row {
		r := Row{Values: make([]any, len(tb.Columns))}
		for i, c := range tb.Columns {
			r.Values[i] = values[c.Name]
		}
		return r
	}
	var buf bytes.Buffer
	w := NewUCDPWriter(&buf, UCDPOptions{ConflictName: "Armenia - Azerbaijan", Country: "Azerbaijan", CountryID: 373, Region: "Europe"})
	if err := w.Begin(tb); err != nil {
		t.Fatal(err)
	}
	rows := []map[string]any{{
		"id": "A1", "source_kind": "side", "lodged_by_name": "Armenia", "on_behalf_of": "org-am", "on_behalf_of_name": "Armenia",
		"alleged_perpetrator": "org-az", "alleged_perpetrator_name": "Azerbaijan", "category": "heavy_weapons_fire",
		"acled_event_type": "Explosions/Remote violence",
		"start":            ymd(2021, 6, 12), "end": ymd(2021, 6, 13), "time_precision": "day",
		"lat": 39.8177, "lon": 46.7528, "location_precision": "near_place", "nearest_place_name": "Shusha", "zone_name": "Zone A",
		"killed_military_best": int64(3), "killed_military_by_side": `[{"side":"org-am","best":2,"low":2,"high":2}]`,
		"killed_civilians_best": int64(1), "killed_civilians_high": int64(2),
		"narrative": "Shelling.", "lodged_at": time.Date(2021, 6, 12, 9, 0, 0, 0, time.UTC),
	}, {
		"id": "A2", "source_kind": "public", "alleged_perpetrator": "unknown", "category": "violence_against_civilians",
		"start": ymd(2021, 6, 1), "end": ymd(2021, 6, 11), "time_precision": "window", "lat": 40.0, "lon": 46.0, "location_precision": "district",
	}}
	for _, v := range rows {
		if err := w.Write(row(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(recs[0], UCDPColumns) || len(recs) != 3 {
		t.Fatalf("header %v, %d records", recs[0], len(recs))
	}
	check := func(rec []string, want map[string]string) {
		t.Helper()
		for i, c := range UCDPColumns {
			if v, ok := want[c]; ok && rec[i] != v {
				t.Errorf("%s = %q, want %q", c, rec[i], v)
			}
		}
	}
	check(recs[1], map[string]string{
		"id": "1", "relid": "A1", "year": "2021", "type_of_violence": "1", "conflict_name": "Armenia - Azerbaijan",
		"dyad_name": "Azerbaijan - Armenia", "side_a": "Azerbaijan", "side_b": "Armenia", "number_of_sources": "1",
		"source_office": "Armenia", "source_date": "2021-06-12", "source_original": "side", "where_prec": "2",
		"where_coordinates": "Shusha", "where_description": "Zone A", "latitude": "39.8177", "longitude": "46.7528",
		"geom_wkt": "POINT (46.7528 39.8177)", "country": "Azerbaijan", "country_id": "373", "region": "Europe",
		"date_prec": "1", "date_start": "2021-06-12", "date_end": "2021-06-12",
		"deaths_a": "0", "deaths_b": "2", "deaths_civilians": "1", "deaths_unknown": "1", "best": "4", "low": "4", "high": "5",
	})
	check(recs[2], map[string]string{
		"id": "2", "relid": "A2", "type_of_violence": "3", "side_a": "", "side_b": "Civilians", "dyad_name": "",
		"where_prec": "3", "date_prec": "4", "date_start": "2021-06-01", "date_end": "2021-06-10", "best": "0",
	})
	if err := NewUCDPWriter(&buf, UCDPOptions{}).Begin(Table{Name: "places"}); err == nil {
		t.Error("places accepted as GED events")
	}
}
