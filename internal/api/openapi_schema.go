package api

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/httpx"
)

// schemaGen derives JSON Schemas from Go types by their json tags. Named
// struct types become components; an anonymous struct is named after
// where it appears (incident.TollInput.military), a generic one after its
// type arguments (store.Page_incident.Allegation).
type schemaGen struct {
	defs  map[string]any
	names map[reflect.Type]string
}

func newSchemaGen() *schemaGen {
	return &schemaGen{defs: map[string]any{}, names: map[reflect.Type]string{}}
}

var (
	timeType         = reflect.TypeOf(time.Time{})
	rawType          = reflect.TypeOf(json.RawMessage{})
	fieldProblemType = reflect.TypeOf(httpx.FieldProblem{})
	// A component's name may hold only these (OpenAPI 3.1, 4.8.7.1).
	nameUnsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
	// qualified finds package paths inside a generic type's name.
	qualified = regexp.MustCompile(`[A-Za-z0-9_.\-]+/`)
)

// components returns the schemas generated so far, with the RFC 9457
// problem every error answers with.
func (g *schemaGen) components() map[string]any {
	g.schema(fieldProblemType, "")
	out := map[string]any{}
	for k, v := range g.defs {
		out[k] = v
	}
	out["Problem"] = problemSchema()
	return out
}

// typeName is the component name of a struct type; hint names an
// anonymous one after the field it is the type of.
func (g *schemaGen) typeName(t reflect.Type, hint string) string {
	if n, ok := g.names[t]; ok {
		return n
	}
	name := t.Name()
	if name == "" {
		name = hint
	}
	if name == "" {
		name = "Object"
	}
	// Generic instantiations: Page[github.com/x/y/incident.Allegation]
	// becomes Page_incident.Allegation.
	name = qualified.ReplaceAllString(name, "")
	name = strings.Trim(nameUnsafe.ReplaceAllString(name, "_"), "_")
	if pkg := t.PkgPath(); pkg != "" && t.Name() != "" {
		name = pkg[strings.LastIndex(pkg, "/")+1:] + "." + name
	}
	base := name
	for i := 2; ; i++ { // two types, one name: number the later one
		if _, taken := g.defs[name]; !taken {
			break
		}
		name = base + "_" + itoa(i)
	}
	g.names[t] = name
	return name
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// schema is t's schema; hint names t if it is an anonymous struct.
func (g *schemaGen) schema(t reflect.Type, hint string) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	case t == geometryType:
		return geometrySchema
	}
	if m, ok := reflect.New(t).Interface().(interface{ JSONSchema() map[string]any }); ok {
		return m.JSONSchema()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem(), hint)
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
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), hint)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem(), hint)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "" && t.NumField() == 0 {
			return map[string]any{"type": "object"}
		}
		name := g.typeName(t, hint)
		r := ref("schemas", name)
		if _, ok := g.defs[name]; ok {
			return r
		}
		g.defs[name] = map[string]any{} // placeholder for recursion
		props := map[string]any{}
		var required []string
		g.fields(t, name, props, &required)
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			sort.Strings(required)
			s["required"] = slices.Compact(required)
		}
		g.defs[name] = s
		return r
	}
	return map[string]any{}
}

// fields adds t's JSON members to props; owner is the schema's name, from
// which an anonymous struct member takes its own.
func (g *schemaGen) fields(t reflect.Type, owner string, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			g.fields(ft, owner, props, required)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type, owner+"."+name)
		if doc := f.Tag.Get("doc"); doc != "" {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"allOf": []any{s}, "description": doc}
			} else {
				s = withDescription(s, doc)
			}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}

func withDescription(s map[string]any, doc string) map[string]any {
	out := make(map[string]any, len(s)+1)
	for k, v := range s {
		out[k] = v
	}
	out["description"] = doc
	return out
}

// jsonField finds t's member named name in JSON, embedded structs
// included.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && tag == "" && ft.Kind() == reflect.Struct {
			if sf, ok := jsonField(ft, name); ok {
				return sf, true
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if tag == name || tag == "" && f.Name == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// problemSchema is RFC 9457's problem details object with Truce's
// extension members (httpx.Problem).
func problemSchema() map[string]any {
	return map[string]any{
		"type":        "object",
		"description": "RFC 9457 problem details, with Truce's stable code and the failing field as extension members.",
		"required":    []string{"type", "title", "status", "code"},
		"properties": map[string]any{
			"type":     map[string]any{"type": "string", "format": "uri-reference", "description": "identifies the kind of problem", "example": "https://truce.invalid/problems/invalid"},
			"title":    map[string]any{"type": "string", "description": "the status's reason phrase", "example": "Bad Request"},
			"status":   map[string]any{"type": "integer", "minimum": 100, "maximum": 599, "description": "the HTTP status code", "example": 400},
			"detail":   map[string]any{"type": "string", "description": "what went wrong, for a person", "example": "must be a whole number"},
			"instance": map[string]any{"type": "string", "format": "uri-reference", "description": "the request's path", "example": "/api/v1/allegations"},
			"code":     map[string]any{"type": "string", "description": "a stable code: invalid, not_found, conflict, forbidden, unauthenticated, too_large, unavailable, internal, too_many_requests, …", "example": "invalid"},
			"field":    map[string]any{"type": "string", "description": "the failing field: a body member's JSON path, a query parameter or a header", "example": "limit"},
			"errors": map[string]any{"type": "array", "description": "every failing field at once, the first being field's",
				"items": ref("schemas", "httpx.FieldProblem")},
		},
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
