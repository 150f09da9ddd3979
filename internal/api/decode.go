package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/truce-monitoring/truce/internal/errs"
)

// MaxBody is the largest JSON request body accepted.
const MaxBody = 1 << 20

// Decode reads a JSON request body into a new T strictly: the content type
// must be JSON, the body at most MaxBody bytes, one object with no unknown
// members and nothing after it.
func Decode[T any](r *http.Request) (T, error) {
	var v T
	if ct := r.Header.Get("Content-Type"); ct != "" {
		// The route's rules check it first; a handler that decodes JSON
		// on a route that declares other types still gets only JSON.
		if err := mediaType(ct, jsonOnly); err != nil {
			return v, err
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return v, errs.Invalid("body", "could not be read")
	}
	if len(body) > MaxBody {
		return v, errs.TooLarge("body", "is larger than %d bytes", MaxBody)
	}
	return DecodeBytes[T](body)
}

// DecodeBytes is Decode's parser, separate so that it can be fuzzed.
func DecodeBytes[T any](body []byte) (T, error) {
	var v T
	if len(bytes.TrimSpace(body)) == 0 {
		return v, errs.Invalid("body", "is empty: a JSON object is required")
	}
	if string(bytes.TrimSpace(body)) == "null" { // encoding/json would leave v zero and say nothing
		return v, errs.Invalid("body", "is null: a JSON object is required")
	}
	if !utf8.Valid(body) {
		return v, errs.Invalid("body", "is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, jsonError(err, body)
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, errs.Invalid("body", "has data after the JSON object")
	}
	return v, nil
}

// jsonError turns encoding/json's errors into errors naming the field.
func jsonError(err error, body []byte) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return errs.Invalid("body", "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return errs.Invalid(field, "must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errs.Invalid("body", "JSON ends before the object is complete")
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name, _ := strconv.Unquote(f)
		if name == "" {
			name = f
		}
		return errs.Invalid(name, "is not a known field")
	}
	var e *errs.Error
	if errors.As(err, &e) { // from a member's UnmarshalJSON, which does not know its path
		if e.Field == "" {
			return errs.Prefix("body", e)
		}
		return e
	}
	return errs.Invalid("body", "%s", strings.TrimPrefix(msg, "json: "))
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64", "uint32", "float64", "float32":
		return "a number"
	}
	return fmt.Sprintf("of type %s", k)
}
