package mapview

import (
	"net/url"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestParseMapRequest(t *testing.T) {
	good := "bbox=46,39,47.5,40.5&zoom=8"
	for _, c := range []struct {
		name, query, field string
	}{
		{"no bbox", "zoom=8", "bbox"},
		{"bbox of three numbers", "bbox=46,39,47&zoom=8", "bbox"},
		{"bbox not numbers", "bbox=a,b,c,d&zoom=8", "bbox"},
		{"bbox NaN", "bbox=NaN,39,47,40&zoom=8", "bbox"},
		{"bbox infinite", "bbox=-Inf,39,47,40&zoom=8", "bbox"},
		{"bbox south above north", "bbox=46,41,47,40&zoom=8", "bbox"},
		{"bbox beyond the pole", "bbox=46,39,47,95&zoom=8", "bbox"},
		{"no zoom", "bbox=46,39,47,40", "zoom"},
		{"zoom not a number", good + "x", "zoom"},
		{"zoom too deep", "bbox=46,39,47,40&zoom=25", "zoom"},
		{"zoom negative", "bbox=46,39,47,40&zoom=-1", "zoom"},
		{"bad from", good + "&from=yesterday", "from"},
		{"bad to", good + "&to=2021-13-01", "to"},
		{"to before from", good + "&from=2021-06-10&to=2021-06-09", "to"},
		{"bad day", good + "&day=10.06.2021", "day"},
		{"day with from", good + "&day=2021-06-10&from=2021-06-01", "day"},
		{"unknown layer", good + "&layers=allegations,detainees", "layers"},
		{"side too long", good + "&side=" + string(make([]byte, 65)), "side"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := url.ParseQuery(c.query)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseRequest(v)
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != c.field {
				t.Fatalf("error %v, want invalid %q", err, c.field)
			}
		})
	}

	v, _ := url.ParseQuery("bbox=-200,39,-170,40&zoom=3&day=2021-06-10&layers=allegations,allegations,line_of_contact")
	q, err := ParseRequest(v)
	if err != nil {
		t.Fatal(err)
	}
	if q.BBox.MinLon != 160 || q.BBox.MaxLon != -170 {
		t.Errorf("a view across the antimeridian: %+v", q.BBox)
	}
	if q.From.Format("2006-01-02") != "2021-06-10" || q.To.Sub(q.From).Hours() != 24 {
		t.Errorf("day: %v to %v", q.From, q.To)
	}
	if len(q.Layers) != 2 {
		t.Errorf("layers %v: a repeated layer counts once", q.Layers)
	}
	v, _ = url.ParseQuery("bbox=-540,-80,540,80&zoom=0&from=2021-06-10&to=2021-06-10")
	if q, err = ParseRequest(v); err != nil {
		t.Fatal(err)
	}
	if q.BBox.MinLon != -180 || q.BBox.MaxLon != 180 || !q.To.After(q.From) || len(q.Layers) != len(Layers) {
		t.Errorf("a view wider than the world, one day as from=to: %+v", q)
	}
}

// FuzzParseMapRequest: any query either parses into a request the domain
// accepts, or is refused with an invalid error naming a parameter.
func FuzzParseMapRequest(f *testing.F) {
	for _, s := range []string{"bbox=46,39,47.5,40.5&zoom=8", "bbox=-540,-80,540,80&zoom=0&day=2021-06-10",
		"bbox=1,2,3,4&zoom=24&from=2021-06-10T00:00:00Z&to=2021-06-11&layers=sites", "bbox=,,,&zoom=", "bbox=1e308,-1e308,1e308,1e308&zoom=1e-300"} {
		f.Add(s)
	}
	params := map[string]bool{"bbox": true, "zoom": true, "day": true, "from": true, "to": true, "layers": true, "side": true, "category": true, "status": true}
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		q, err := ParseRequest(v)
		if err != nil {
			if errs.CodeOf(err) != errs.CodeInvalid || !params[errs.FieldOf(err)] {
				t.Fatalf("%q: %v", query, err)
			}
			return
		}
		if q.BBox.MinLat > q.BBox.MaxLat || q.BBox.MinLon < -180 || q.BBox.MaxLon > 180 || !(q.CellDegrees() > 0) {
			t.Fatalf("%q gave %+v", query, q)
		}
	})
}
