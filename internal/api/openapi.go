package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/httpx"
)

// Route is one API endpoint with what the OpenAPI document says of it. The
// document is built from the routes that are actually registered, so it
// cannot miss one.
type Route struct {
	Method   string
	Path     string // ServeMux pattern path, e.g. /api/v1/agreements/{id}
	Summary  string
	Tag      string
	Request  any     // zero value of the request body type; nil for none
	Response any     // zero value of the success response type; nil for none
	Status   int     // success status; 200 when zero
	Query    []Param // query parameters
	Public   bool    // answers without authentication
	Content  string  // response media type when not JSON
	// IfMatch: the request changes a record at the version the client
	// read, sent as If-Match: "N" (the record's ETag). A stale version
	// answers 412, a missing one 428.
	IfMatch bool
	// Accepts are the media types of the request body when it is not
	// JSON (imports, attachments); empty: application/json, when the
	// route has a Request. Another type answers 415.
	Accepts []string
	Handler http.HandlerFunc
}

// Param is a documented query parameter.
type Param struct {
	Name        string
	Description string
	Type        string // string, integer, number, boolean
	Required    bool
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\.{0,3}\}`)

// OpenAPI returns the OpenAPI 3.1 document of the routes.
func OpenAPI(routes []Route, version string) map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		p := pathParam.ReplaceAllString(rt.Path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
		}
		if rt.Tag != "" {
			op["tags"] = []string{rt.Tag}
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			t := q.Type
			if t == "" {
				t = "string"
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required, "description": q.Description, "schema": map[string]any{"type": t}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Request))},
			}}
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		resp := map[string]any{"description": http.StatusText(status)}
		if rt.Response != nil {
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Response))}}
		} else if rt.Content != "" {
			resp["content"] = map[string]any{rt.Content: map[string]any{}}
		}
		problem := map[string]any{"description": "problem", "content": map[string]any{
			"application/problem+json": map[string]any{"schema": g.schema(reflect.TypeOf(httpx.Problem{}))}}}
		op["responses"] = map[string]any{itoa(status): resp, "default": problem}
		if rt.Public {
			op["security"] = []any{}
		}
		paths[p][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Truce API",
			"version":     version,
			"description": "The JSON API of Truce, the information system of a joint ceasefire monitoring centre. Errors are RFC 9457 problem details with a stable code and the failing field.",
		},
		"servers":    []any{map[string]any{"url": "/"}},
		"paths":      paths,
		"components": map[string]any{"schemas": g.defs, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
		"security":   []any{map[string]any{"bearer": []any{}}},
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func operationID(rt Route) string {
	p := pathParam.ReplaceAllString(rt.Path, "by_$1")
	p = strings.NewReplacer("/api/v1/", "", "/", "_", "-", "_", ".", "_").Replace(p)
	return strings.ToLower(rt.Method) + "_" + strings.Trim(p, "_")
}

// schemaGen derives JSON Schemas from Go types by their json tags.
type schemaGen struct{ defs map[string]any }

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
	nameSafe = regexp.MustCompile(`[^A-Za-z0-9_]+`)
)

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	}
	if m, ok := reflect.New(t).Interface().(interface{ JSONSchema() map[string]any }); ok {
		return m.JSONSchema()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := nameSafe.ReplaceAllString(t.Name(), "_")
		if pkg := t.PkgPath(); pkg != "" {
			name = pkg[strings.LastIndex(pkg, "/")+1:] + "." + name
		}
		name = strings.Trim(name, "_")
		ref := map[string]any{"$ref": "#/components/schemas/" + name}
		if _, ok := g.defs[name]; ok {
			return ref
		}
		g.defs[name] = map[string]any{} // placeholder for recursion
		props := map[string]any{}
		var required []string
		g.fields(t, props, &required)
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			sort.Strings(required)
			s["required"] = required
		}
		g.defs[name] = s
		return ref
	}
	return map[string]any{}
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		if doc := f.Tag.Get("doc"); doc != "" {
			s = map[string]any{"allOf": []any{s}, "description": doc}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}
