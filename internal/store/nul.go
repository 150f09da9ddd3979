package store

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
)

// PostgreSQL's text cannot hold the character U+0000, which JSON allows
// (as \u0000): a change whose body holds one would be stored on SQLite and
// fail on PostgreSQL. Record refuses it on both alike, naming the field.

// checkNUL returns an invalid error naming the first member of the JSON
// body that holds U+0000 in its name or its value, or nil.
func checkNUL(body []byte) error {
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return nil
	}
	if path, ok := nulPath(body); ok {
		return errs.Invalid(path, "holds the character U+0000 (NUL), which cannot be stored: remove it")
	}
	return nil
}

// nulPath walks a JSON document and returns the path of the first string
// holding U+0000 ("summary", "names[2].name"; "body" for the document
// itself).
func nulPath(doc []byte) (string, bool) {
	type frame struct {
		array bool
		index int
		key   string
		// wantKey: in an object, the next string is a member's name.
		wantKey bool
	}
	var stack []*frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.array {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
		if b.Len() == 0 {
			return "body"
		}
		return b.String()
	}
	// after moves past a value in the enclosing container.
	after := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.array {
			f.index++
		} else {
			f.wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{wantKey: true})
			case '[':
				stack = append(stack, &frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				after()
			}
		case string:
			if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
				if strings.IndexByte(t, 0) >= 0 {
					return path(), true
				}
				continue
			}
			if strings.IndexByte(t, 0) >= 0 {
				return path(), true
			}
			after()
		default:
			after()
		}
	}
}

// nulArg refuses a query argument holding U+0000, which PostgreSQL
// refuses as a parameter (a search for one would answer 500 there, and
// nothing on SQLite, where no record holds one either).
func nulArg(args []any) error {
	for _, a := range args {
		if s, ok := a.(string); ok && strings.IndexByte(s, 0) >= 0 {
			return errs.Invalid("query", "holds the character U+0000 (NUL), which no record holds: remove it")
		}
	}
	return nil
}
