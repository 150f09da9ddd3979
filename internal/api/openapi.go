package api

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// Route is one API endpoint with what the OpenAPI document says of it. The
// document is built from the routes that are actually registered, so it
// cannot miss one.
type Route struct {
	Method  string
	Path    string // ServeMux pattern path, e.g. /api/v1/agreements/{id}
	Summary string
	Tag     string
	Request any // zero value of the request body type; nil for none
	// Form: the parts of a multipart/form-data body, in order, instead of
	// a JSON Request; Type "file" for a file part.
	Form     []Param
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
	// ETag: the answer carries a record's version as ETag (writeRecord).
	// Implied when Response is a record with a version; set it for an
	// answer that carries another record's (an incident's sides).
	ETag    bool
	Handler http.HandlerFunc
}

// Param is a documented query parameter.
type Param struct {
	Name        string
	Description string
	Type        string // string, integer, number, boolean
	Required    bool
}

// pathParam matches a ServeMux wildcard, {name} or {name...}.
var pathParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)(?:\.\.\.)?\}`)

// OpenAPI returns the OpenAPI 3.1 document of the routes: every operation
// with its parameters, its body (with an example), its answer and the
// problems it can answer with.
func OpenAPI(routes []Route, version string) map[string]any {
	g := newSchemaGen()
	paths := map[string]map[string]any{}
	tags := map[string]bool{}
	usedParams := map[string]bool{"IfNoneMatch": true}
	for _, rt := range routes {
		p := pathParam.ReplaceAllString(rt.Path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.Method)] = operation(g, rt)
		if rt.IfMatch {
			usedParams[ifMatchParam(rt)] = true
		}
		if rt.Tag != "" {
			tags[rt.Tag] = true
		}
	}
	var tagList []any
	for _, t := range sortedKeys(tags) {
		tagList = append(tagList, map[string]any{"name": t, "description": tagDescriptions[t]})
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Truce API",
			"version": version,
			"description": "The JSON API of Truce, the information system of a joint ceasefire monitoring centre.\n\n" +
				"Errors are RFC 9457 problem details (application/problem+json) with a stable `code` and the failing `field`. " +
				"A record's answer carries its version as a strong `ETag` (\"N\"): a GET with `If-None-Match` naming it answers 304; " +
				"an update must send the version it read as `If-Match` (412 when another change came first, 428 when it is missing). " +
				"Bodies are JSON in UTF-8 (`application/json`; anything else answers 415); unknown query parameters answer 400.",
			"license": map[string]any{"name": "Proprietary", "identifier": "LicenseRef-Truce"},
		},
		"servers": []any{map[string]any{"url": "/", "description": "the server this document was read from"}},
		"tags":    tagList,
		"paths":   paths,
		"components": map[string]any{
			"schemas":    g.components(),
			"responses":  problemResponses(),
			"headers":    map[string]any{"ETag": etagHeader()},
			"parameters": conditionalParams(usedParams),
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "an API token (truce token create)"},
			},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

// tagDescriptions says what each group of operations is about.
var tagDescriptions = map[string]string{
	"accounts":   "Users, roles, tokens, passwords and sessions",
	"agreements": "Organisations, agreements, provisions, their deadlines, status and evidence",
	"detainees":  "Detainees, exchanges and remains",
	"exchange":   "Exports and imports of records in exchange formats",
	"geography":  "Layers (line of contact, zones, corridors, sites), the gazetteer and locating a point",
	"incidents":  "Allegations, observations, incidents, patrols, restrictions, attachments and review",
	"log":        "The signed change log: checkpoints, tiles, proofs and history",
	"map":        "Map views of the records",
	"meta":       "This document",
	"mines":      "Minefields and hazard areas",
	"reports":    "Daily and implementation reports and summaries, drafts and issued",
	"returns":    "Returns of displaced people and visits",
	"review":     "The review queue: duplicates, proposals and decisions on incoming records",
	"search":     "Full-text search across records",
	"statements": "Statements and sources",
	"transit":    "The corridor: crossings, handovers and transit restrictions",
}

// operation is one route's OpenAPI operation object.
func operation(g *schemaGen, rt Route) map[string]any {
	op := map[string]any{
		"summary":     rt.Summary,
		"operationId": operationID(rt),
	}
	if rt.Tag != "" {
		op["tags"] = []string{rt.Tag}
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true,
			"description": pathParamDescription(m[1], m[0]), "schema": map[string]any{"type": "string"}})
	}
	for _, q := range rt.Query {
		t := q.Type
		if t == "" {
			t = "string"
		}
		qp := map[string]any{"name": q.Name, "in": "query", "required": q.Required, "schema": map[string]any{"type": t}}
		if q.Description != "" {
			qp["description"] = q.Description
		}
		params = append(params, qp)
	}
	etag := rt.sendsETag()
	if rt.Method == http.MethodGet && etag {
		params = append(params, ref("parameters", "IfNoneMatch"))
	}
	if rt.IfMatch {
		params = append(params, ref("parameters", ifMatchParam(rt)))
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Request != nil {
		t := reflect.TypeOf(rt.Request)
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": g.schema(t, ""), "example": Example(t)},
		}}
	}

	if rt.Form != nil {
		op["requestBody"] = formBody(rt.Form)
	}

	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	resp := map[string]any{"description": successDescription(rt, status)}
	switch {
	case rt.Response != nil:
		resp["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Response), "")}}
	case rt.Content != "":
		resp["content"] = map[string]any{rt.Content: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
	}
	if etag {
		resp["headers"] = map[string]any{"ETag": ref("headers", "ETag")}
	}
	responses := map[string]any{strconv.Itoa(status): resp}
	for _, code := range problemStatuses(rt, etag) {
		if code == http.StatusNotModified {
			responses["304"] = ref("responses", "NotModified")
			continue
		}
		responses[strconv.Itoa(code)] = ref("responses", problemNames[code])
	}
	responses["default"] = ref("responses", "Problem")
	op["responses"] = responses
	if rt.Public {
		// Anyone may call it; a token may show more (e.g. a mission report).
		op["security"] = []any{map[string]any{}, map[string]any{"bearer": []any{}}}
	}
	return op
}

// formBody is a multipart/form-data request body with its parts in
// order, and an example of the fields.
func formBody(parts []Param) map[string]any {
	props := map[string]any{}
	example := map[string]any{}
	var required, order []string
	for _, p := range parts {
		schema := map[string]any{"type": "string"}
		switch {
		case p.Type == "file":
			schema = map[string]any{"type": "string", "format": "binary"}
			example[p.Name] = "(the file's bytes)"
		case p.Name == "name":
			example[p.Name] = "crater.jpg"
		case p.Name == "media_type":
			example[p.Name] = "image/jpeg"
		default:
			example[p.Name] = exampleString(p.Name)
		}
		if p.Description != "" {
			schema["description"] = p.Description
		}
		props[p.Name] = schema
		order = append(order, p.Name)
		if p.Required {
			required = append(required, p.Name)
		}
	}
	schema := map[string]any{"type": "object", "properties": props,
		"description": "parts in this order: " + strings.Join(order, ", ")}
	if required != nil {
		schema["required"] = required
	}
	return map[string]any{"required": true, "content": map[string]any{
		"multipart/form-data": map[string]any{"schema": schema, "example": example}}}
}

// problemStatuses are the statuses other than the success one that rt can
// answer with, as the HTTP rules and the domain's errors decide them.
func problemStatuses(rt Route, etag bool) []int {
	var out []int
	if rt.Method == http.MethodGet && etag {
		out = append(out, http.StatusNotModified)
	}
	out = append(out, http.StatusBadRequest) // a bad query parameter or body, on every route
	if !rt.Public {
		out = append(out, http.StatusUnauthorized, http.StatusForbidden)
	}
	if pathParam.MatchString(rt.Path) {
		out = append(out, http.StatusNotFound)
	}
	if rt.Method != http.MethodGet && rt.Method != http.MethodHead {
		out = append(out, http.StatusConflict) // a domain conflict: a duplicate, a state that forbids the change
	}
	if rt.Request != nil || rt.Form != nil {
		out = append(out, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	if rt.IfMatch {
		out = append(out, http.StatusPreconditionFailed, http.StatusPreconditionRequired)
	}
	return out
}

var problemNames = map[int]string{
	http.StatusBadRequest:            "BadRequest",
	http.StatusUnauthorized:          "Unauthorized",
	http.StatusForbidden:             "Forbidden",
	http.StatusNotFound:              "NotFound",
	http.StatusConflict:              "Conflict",
	http.StatusPreconditionFailed:    "PreconditionFailed",
	http.StatusRequestEntityTooLarge: "ContentTooLarge",
	http.StatusUnsupportedMediaType:  "UnsupportedMediaType",
	http.StatusPreconditionRequired:  "PreconditionRequired",
}

// problemResponses are the shared answers: each a problem+json with the
// Problem schema, and 304 with no body.
func problemResponses() map[string]any {
	problem := func(desc string, headers map[string]any) map[string]any {
		r := map[string]any{"description": desc, "content": map[string]any{
			"application/problem+json": map[string]any{"schema": ref("schemas", "Problem")}}}
		if headers != nil {
			r["headers"] = headers
		}
		return r
	}
	return map[string]any{
		"NotModified": map[string]any{"description": "Not Modified: the record's ETag matches If-None-Match; no body",
			"headers": map[string]any{"ETag": ref("headers", "ETag")}},
		"BadRequest": problem("Bad Request: a malformed body, an invalid field or an unknown query parameter (`field` names it)", nil),
		"Unauthorized": problem("Unauthorized: no valid token or session", map[string]any{"WWW-Authenticate": map[string]any{
			"description": "Bearer realm=\"truce\"", "schema": map[string]any{"type": "string"}}}),
		"Forbidden":       problem("Forbidden: the account's roles or organisation do not allow this", nil),
		"NotFound":        problem("Not Found: no such record, or none the account may read (both answer alike)", nil),
		"Conflict":        problem("Conflict: the record's state does not allow the change (e.g. a duplicate, a sealed incident)", nil),
		"ContentTooLarge": problem("Content Too Large: the body exceeds the limit", nil),
		"UnsupportedMediaType": problem("Unsupported Media Type: the body must be application/json in UTF-8", map[string]any{
			"Accept-Post": map[string]any{"description": "the media type accepted", "schema": map[string]any{"type": "string"}}}),
		"PreconditionFailed":   problem("Precondition Failed: If-Match names a version that is no longer the record's latest; read it again", nil),
		"PreconditionRequired": problem("Precondition Required: an update must send If-Match with the version it read", nil),
		"Problem":              problem("Any other problem (429 Too Many Requests, 500, 503 Service Unavailable)", nil),
	}
}

func etagHeader() map[string]any {
	return map[string]any{
		"description": "The record's version as a strong entity tag, e.g. \"3\": send it back as If-Match to change the record, or as If-None-Match to read it only if it changed.",
		"schema":      map[string]any{"type": "string", "pattern": `^"[0-9]+"$`},
		"example":     `"3"`,
	}
}

// ifMatchParam names the If-Match parameter rt takes: required, unless
// the table still declares ?version=N, which stands in for the header.
func ifMatchParam(rt Route) string {
	if declaresQuery(rt, "version") {
		return "IfMatchOrVersion"
	}
	return "IfMatch"
}

// conditionalParams are the conditional request headers the document uses.
func conditionalParams(used map[string]bool) map[string]any {
	all := map[string]any{
		"IfNoneMatch": map[string]any{"name": "If-None-Match", "in": "header", "required": false,
			"description": "ETags the client holds (or *): when one is the record's, the answer is 304 with no body.",
			"schema":      map[string]any{"type": "string"}, "example": `"3"`},
		"IfMatch": map[string]any{"name": "If-Match", "in": "header", "required": true,
			"description": "The ETag of the version the change is based on. A stale one answers 412; a missing one 428.",
			"schema":      map[string]any{"type": "string", "pattern": `^(W/)?"[0-9]+"$`}, "example": `"3"`},
		"IfMatchOrVersion": map[string]any{"name": "If-Match", "in": "header", "required": false,
			"description": "The ETag of the version the change is based on; the `version` query parameter may stand in for it. A stale one answers 412; neither given answers 428.",
			"schema":      map[string]any{"type": "string", "pattern": `^(W/)?"[0-9]+"$`}, "example": `"3"`},
	}
	out := map[string]any{}
	for name := range used {
		out[name] = all[name]
	}
	return out
}

func ref(kind, name string) map[string]any {
	return map[string]any{"$ref": "#/components/" + kind + "/" + name}
}

func declaresQuery(rt Route, name string) bool {
	for _, q := range rt.Query {
		if q.Name == name {
			return true
		}
	}
	return false
}

func pathParamDescription(name, wildcard string) string {
	switch {
	case strings.HasSuffix(wildcard, "...}"):
		return "the rest of the path"
	case name == "id":
		return "the record's id"
	case name == "sha256":
		return "the file's SHA-256, in hexadecimal"
	}
	return "the " + strings.ReplaceAll(name, "_", " ")
}

func successDescription(rt Route, status int) string {
	if rt.Summary != "" {
		return http.StatusText(status) + ": " + rt.Summary
	}
	return http.StatusText(status)
}

// sendsETag reports whether rt's answer carries an ETag.
func (rt Route) sendsETag() bool { return rt.ETag || hasVersion(rt.Response) }

// hasVersion reports whether a response of v's type is a record with a
// version, which its answer carries as ETag.
func hasVersion(v any) bool {
	if v == nil {
		return false
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	f, ok := jsonField(t, "version")
	return ok && f.Type.Kind() >= reflect.Int && f.Type.Kind() <= reflect.Uint64
}

func operationID(rt Route) string {
	p := pathParam.ReplaceAllString(rt.Path, "by_$1")
	p = strings.NewReplacer("/api/v1/", "", "/", "_", "-", "_", ".", "_").Replace(p)
	return strings.ToLower(rt.Method) + "_" + strings.Trim(p, "_")
}
