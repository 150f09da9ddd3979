package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/httpx"
)

// testInput is a request body shaped like the real ones: nested objects,
// arrays, times and a geometry with its own UnmarshalJSON.
type testInput struct {
	Name      string         `json:"name"`
	Count     int            `json:"count,omitempty"`
	Tags      []string       `json:"tags,omitempty"`
	Deadlines []testDeadline `json:"deadlines,omitempty"`
	Where     *geo.Geometry  `json:"where,omitempty"`
}

type testDeadline struct {
	What string    `json:"what"`
	Due  time.Time `json:"due"`
	Days int       `json:"days,omitempty"`
}

func TestDecodeBytes(t *testing.T) {
	due := time.Date(2020, 11, 20, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		body string
		want testInput
	}{
		{"minimal", `{"name":"Aghdam"}`, testInput{Name: "Aghdam"}},
		{"empty object", `{}`, testInput{}},
		{"surrounding whitespace", " \n\t{\"name\":\"Ağdam\"}\r\n ", testInput{Name: "Ağdam"}},
		{"nested", `{"name":"x","count":2,"tags":["a","b"],"deadlines":[{"what":"returned","due":"2020-11-20T00:00:00Z","days":10}]}`,
			testInput{Name: "x", Count: 2, Tags: []string{"a", "b"}, Deadlines: []testDeadline{{What: "returned", Due: due, Days: 10}}}},
		{"geometry", `{"where":{"type":"Point","coordinates":[46.93,39.993]}}`, testInput{Where: &geo.Geometry{Type: geo.TypePoint, Point: &geo.Point{Lat: 39.993, Lon: 46.93}}}},
		{"escaped text", `{"name":"\u0410\u0433\u0434\u0430\u043c"}`, testInput{Name: "Агдам"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBytes[testInput]([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeBytesRejects(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		field   string
		wantMsg string
	}{
		{"empty body", ``, "body", "is empty"},
		{"whitespace only", " \r\n\t ", "body", "is empty"},
		{"null", ` null `, "body", "a JSON object is required"},
		{"truncated object", `{"name":`, "body", "ends before the object is complete"},
		{"missing colon", `{"name" "x"}`, "body", "malformed JSON"},
		{"single quotes", `{'name':'x'}`, "body", "malformed JSON"},
		{"trailing comma", `{"name":"x",}`, "body", "malformed JSON"},
		{"byte order mark", "\ufeff{}", "body", "malformed JSON"},
		{"unknown field", `{"name":"x","nmae":"y"}`, "nmae", "is not a known field"},
		// encoding/json names only the member, not its path.
		{"unknown nested field", `{"deadlines":[{"what":"x","when":"y"}]}`, "when", "is not a known field"},
		{"unknown field with quotes in its name", `{"a\"b":1}`, `a"b`, "is not a known field"},
		{"string for a number", `{"count":"2"}`, "count", "must be a number, not string"},
		{"fraction for an integer", `{"count":1.5}`, "count", "must be a number"},
		{"number out of range", `{"count":1e400}`, "count", "must be a number"},
		{"number for a string", `{"name":7}`, "name", "must be a string, not number"},
		{"string for an array", `{"tags":"a"}`, "tags", "must be an array, not string"},
		{"object in an array of strings", `{"tags":[{}]}`, "tags", "must be a string, not object"},
		// encoding/json gives the dotted path without array indexes.
		{"wrong type in an array element", `{"deadlines":[{"what":"x","days":"3"}]}`, "deadlines.days", "must be a number"},
		{"array for an object", `{"deadlines":[[]]}`, "deadlines", "must be an object, not array"},
		// time.Time's own errors carry no path, so the body is blamed.
		{"bad time", `{"deadlines":[{"due":"soon"}]}`, "body", "parsing time"},
		// geo.Geometry's errors carry paths inside the geometry only.
		{"geometry not an object", `{"where":5}`, "body", "geometry must be a JSON object"},
		{"geometry without coordinates", `{"where":{"type":"Point"}}`, "coordinates", "is required"},
		{"top-level array", `[]`, "body", "must be an object, not array"},
		{"top-level string", `"x"`, "body", "must be an object, not string"},
		{"trailing data", `{"name":"x"} x`, "body", "data after the JSON object"},
		{"second object", `{"name":"x"}{"name":"y"}`, "body", "data after the JSON object"},
		{"stray closing brace", `{}}`, "body", "data after the JSON object"},
		{"invalid UTF-8 in a string", "{\"name\":\"Ağ\xffdam\"}", "body", "not valid UTF-8"},
		{"invalid UTF-8 outside strings", "{}\xc0", "body", "not valid UTF-8"},
		{"UTF-16 surrogate encoded in UTF-8", "{\"name\":\"\xed\xa0\x80\"}", "body", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeBytes[testInput]([]byte(tt.body))
			assertDecodeError(t, err, errs.CodeInvalid, tt.field, tt.wantMsg)
		})
	}
}

func assertDecodeError(t *testing.T, err error, code errs.Code, field, wantMsg string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *errs.Error", err, err)
	}
	if e.Code != code {
		t.Errorf("code = %q, want %q (%v)", e.Code, code, err)
	}
	if e.Field == "" || e.Field != field {
		t.Errorf("field = %q, want %q (%v)", e.Field, field, err)
	}
	if !strings.Contains(e.Message, wantMsg) {
		t.Errorf("message = %q, want it to contain %q", e.Message, wantMsg)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestDecode(t *testing.T) {
	atLimit := `{"name":"x"}` + strings.Repeat(" ", MaxBody-len(`{"name":"x"}`))
	tests := []struct {
		name        string
		contentType string
		body        io.Reader
		code        errs.Code // "" when accepted
		field       string
	}{
		{"json", "application/json", strings.NewReader(`{"name":"x"}`), "", ""},
		{"json with charset", "application/json; charset=utf-8", strings.NewReader(`{"name":"x"}`), "", ""},
		{"json in capitals", "Application/JSON", strings.NewReader(`{"name":"x"}`), "", ""},
		{"a +json type (only where a route declares it)", "application/merge-patch+json", strings.NewReader(`{"name":"x"}`), httpx.CodeUnsupportedMediaType, "Content-Type"},
		{"json in UTF-16", "application/json; charset=utf-16", strings.NewReader(`{"name":"x"}`), httpx.CodeUnsupportedMediaType, "Content-Type"},
		{"no content type", "", strings.NewReader(`{"name":"x"}`), "", ""},
		{"exactly MaxBody bytes", "application/json", strings.NewReader(atLimit), "", ""},
		{"one byte over MaxBody", "application/json", strings.NewReader(atLimit + " "), errs.CodeTooLarge, "body"},
		{"far over MaxBody", "application/json", strings.NewReader(`{"name":"` + strings.Repeat("x", 4*MaxBody) + `"}`), errs.CodeTooLarge, "body"},
		{"form", "application/x-www-form-urlencoded", strings.NewReader(`name=x`), httpx.CodeUnsupportedMediaType, "Content-Type"},
		{"text", "text/plain", strings.NewReader(`{"name":"x"}`), httpx.CodeUnsupportedMediaType, "Content-Type"},
		{"json as a suffix of the subtype only", "application/jsonp", strings.NewReader(`{"name":"x"}`), httpx.CodeUnsupportedMediaType, "Content-Type"},
		{"malformed content type", "application/json; charset", strings.NewReader(`{"name":"x"}`), httpx.CodeUnsupportedMediaType, "Content-Type"},
		{"unreadable body", "application/json", failingReader{}, errs.CodeInvalid, "body"},
		{"empty body", "application/json", strings.NewReader(""), errs.CodeInvalid, "body"},
		{"unknown field", "application/json", strings.NewReader(`{"nmae":"x"}`), errs.CodeInvalid, "nmae"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/things", tt.body)
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			got, err := Decode[testInput](r)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.Name != "x" {
					t.Errorf("got %+v", got)
				}
				return
			}
			assertDecodeError(t, err, tt.code, tt.field, "")
		})
	}
}

func FuzzDecodeBytes(f *testing.F) {
	for _, s := range []string{
		`{"name":"Aghdam","count":2,"tags":["a"],"deadlines":[{"what":"x","due":"2020-11-20T00:00:00Z","days":1}]}`,
		`{"where":{"type":"LineString","coordinates":[[46.8,40.2],[46.8,40]]}}`,
		`{"where":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}`,
		`{"where":5}`, `{"where":null}`, `{"deadlines":[{"due":"soon"}]}`, `{"count":1e400}`,
		`{"nmae":1}`, `{"":1}`, `{"NAME":"x","name":"y"}`, `{} {}`, `{`, `null`, `[]`, "\xff", ` `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeBytes[testInput](data)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("%q: error %v (%T) is not an *errs.Error", data, err, err)
			}
			if e.Field == "" {
				t.Fatalf("%q: error %v names no field", data, err)
			}
			if e.Code != errs.CodeInvalid && e.Code != errs.CodeTooLarge {
				t.Fatalf("%q: error %v has code %q", data, err, e.Code)
			}
			return
		}
		// What was accepted marshals and is accepted again as the same value.
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%q: accepted %+v but cannot marshal it: %v", data, v, err)
		}
		back, err := DecodeBytes[testInput](out)
		if err != nil {
			t.Fatalf("%q: marshalled as %s, which is refused: %v", data, out, err)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(out) {
			t.Fatalf("%q: round trip changed %s into %s", data, out, again)
		}
	})
}
