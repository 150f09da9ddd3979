package api

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// decodeStrictly decodes body into a new value of type t as Decode does
// for a route's T: no unknown members, one value, every member's own
// UnmarshalJSON (a GeoJSON geometry's checks) run.
func decodeStrictly(t reflect.Type, body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(reflect.New(t).Interface()); err != nil {
		return jsonError(err, body)
	}
	if _, err := dec.Token(); err != io.EOF {
		return err
	}
	return nil
}

// Every request body's example in the document decodes with the strict
// decoder into the route's own request type.
func TestEveryRequestExampleDecodes(t *testing.T) {
	doc := Document("test")
	n := 0
	for _, rt := range documentRoutes("test") {
		if rt.Request == nil {
			continue
		}
		n++
		op := doc["paths"].(map[string]map[string]any)[pathParam.ReplaceAllString(rt.Path, "{$1}")][strings.ToLower(rt.Method)].(map[string]any)
		media := op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)
		body, err := json.Marshal(media["example"])
		if err != nil {
			t.Fatalf("%s %s: %v", rt.Method, rt.Path, err)
		}
		if err := decodeStrictly(reflect.TypeOf(rt.Request), body); err != nil {
			t.Errorf("%s %s: the example %s does not decode: %v", rt.Method, rt.Path, body, err)
		}
	}
	if n < 40 {
		t.Errorf("only %d routes with a body", n)
	}
}

// The document states the HTTP rules for every route from the route
// table: the problems each can answer with, the conditional headers, and
// refs that all resolve (an anonymous struct once made a $ref to "").
func TestOpenAPIDocumentsEveryRouteRules(t *testing.T) {
	doc := Document("test")
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths      map[string]map[string]json.RawMessage
		Components map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	for _, m := range regexpRefs.FindAllStringSubmatch(string(raw), -1) {
		if _, ok := d.Components[m[1]][m[2]]; !ok || m[2] == "" {
			t.Errorf("$ref %s does not resolve", m[0])
		}
	}
	if _, ok := d.Components["schemas"]["Problem"]; !ok {
		t.Error("no Problem schema")
	}
	type operation struct {
		Parameters []struct {
			Ref  string `json:"$ref"`
			Name string
			In   string
		}
		RequestBody *struct{}
		Responses   map[string]struct {
			Ref     string `json:"$ref"`
			Headers map[string]any
		}
	}
	for _, rt := range documentRoutes("test") {
		name := rt.Method + " " + rt.Path
		var op operation
		if err := json.Unmarshal(d.Paths[strings.ReplaceAll(rt.Path, "...}", "}")][strings.ToLower(rt.Method)], &op); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		params := map[string]bool{}
		for _, p := range op.Parameters {
			params[p.In+":"+p.Name+p.Ref] = true
		}
		want := []string{"400"}
		if !rt.Public {
			want = append(want, "401", "403")
		}
		for _, m := range wildcards.FindAllStringSubmatch(rt.Path, -1) {
			want = append(want, "404")
			if !params["path:"+m[1]] {
				t.Errorf("%s: no path parameter %s", name, m[1])
			}
		}
		if rt.Request != nil {
			want = append(want, "415")
			if op.RequestBody == nil {
				t.Errorf("%s: no request body", name)
			}
		}
		if rt.IfMatch {
			want = append(want, "412", "428")
			if !params[":#/components/parameters/IfMatch"] && !params[":#/components/parameters/IfMatchOrVersion"] {
				t.Errorf("%s: no If-Match", name)
			}
		}
		if rt.sendsETag() {
			status := "200"
			if rt.Status != 0 {
				status = strconv.Itoa(rt.Status)
			}
			if op.Responses[status].Headers["ETag"] == nil {
				t.Errorf("%s: %s has no ETag header", name, status)
			}
			if rt.Method == "GET" {
				want = append(want, "304")
				if !params[":#/components/parameters/IfNoneMatch"] {
					t.Errorf("%s: no If-None-Match", name)
				}
			}
		}
		for _, code := range want {
			if _, ok := op.Responses[code]; !ok {
				t.Errorf("%s: no %s response", name, code)
			}
		}
	}
}

// wildcards are ServeMux's, found apart from the document's own regexp.
var wildcards = regexp.MustCompile(`\{([^{}.]+)(?:\.\.\.)?\}`)

var regexpRefs = regexp.MustCompile(`"\$ref":"#/components/([a-zA-Z]+)/([^"]*)"`)

// Each of memberExamples names a member of a request body's type, so that
// none is silently unused after a rename.
func TestMemberExamplesNameRealMembers(t *testing.T) {
	members := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			members[t.String()+"."+name] = true
			walk(f.Type)
		}
	}
	for _, rt := range documentRoutes("test") {
		if rt.Request != nil {
			walk(reflect.TypeOf(rt.Request))
		}
	}
	for key := range memberExamples {
		if !members[key] {
			t.Errorf("memberExamples[%q] is no request body's member", key)
		}
	}
}
