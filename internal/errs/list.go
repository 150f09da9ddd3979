package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Reasons a page translates (catalogue keys "err.<reason>", with the
// parameters as placeholders). The English message stays what the API
// answers.
const (
	ReasonRequired    = "required"      // nothing given
	ReasonBlank       = "blank"         // only spaces
	ReasonTooLong     = "too_long"      // {max} characters at most
	ReasonTooMany     = "too_many"      // {max} items at most
	ReasonOutOfRange  = "out_of_range"  // between {min} and {max}
	ReasonTooSmall    = "too_small"     // at least {min}
	ReasonTooLarge    = "too_large"     // at most {max}
	ReasonNotOneOf    = "not_one_of"    // not one of the choices
	ReasonNotATime    = "not_a_time"    // not a date and time
	ReasonNotADate    = "not_a_date"    // not a date
	ReasonNotANumber  = "not_a_number"  // not a number
	ReasonNotAnID     = "not_an_id"     // not a record id
	ReasonUnknownRef  = "unknown_ref"   // names no record the reader may see
	ReasonInFuture    = "in_future"     // a time after now
	ReasonBeforeFrom  = "before_start"  // ends before it starts
	ReasonBadText     = "bad_text"      // a character text may not hold
	ReasonBidiText    = "bidi_text"     // a bidirectional control character, at {pos}
	ReasonDuplicate   = "duplicate"     // listed twice
	ReasonSpanTooLong = "span_too_long" // a span over {max} days
)

// Because returns err with reason and params (name, value pairs) set on
// its *Error, a copy; err unchanged when it holds none.
func Because(err error, reason string, params ...any) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	c.Reason = reason
	if len(params) > 0 {
		c.Params = make(map[string]any, len(params)/2)
		for i := 0; i+1 < len(params); i += 2 {
			c.Params[fmt.Sprint(params[i])] = params[i+1]
		}
	}
	return &c
}

// Required reports an empty field.
func Required(field string) error {
	return &Error{Code: CodeInvalid, Field: field, Message: "is required", Reason: ReasonRequired}
}

// TooLong reports a text over max characters.
func TooLong(field string, n, max int) error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf("is %d characters long; at most %d are allowed", n, max),
		Reason: ReasonTooLong, Params: map[string]any{"max": max, "n": n}}
}

// OutOfRange reports a number outside [min, max].
func OutOfRange(field string, min, max any) error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf("must be between %v and %v", min, max),
		Reason: ReasonOutOfRange, Params: map[string]any{"min": min, "max": max}}
}

// NotOneOf reports a value that is none of allowed.
func NotOneOf(field string, allowed []string) error {
	return &Error{Code: CodeInvalid, Field: field, Message: "must be one of " + strings.Join(allowed, ", "), Reason: ReasonNotOneOf}
}

// List is several errors found at once, the first first: a validator
// collects every failing field before it answers. errors.As finds the
// first *Error in it, so CodeOf, FieldOf and MessageOf describe the first.
type List struct{ Errs []*Error }

func (l *List) Error() string {
	parts := make([]string, len(l.Errs))
	for i, e := range l.Errs {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap gives the errors to errors.Is and errors.As.
func (l *List) Unwrap() []error {
	out := make([]error, len(l.Errs))
	for i, e := range l.Errs {
		out[i] = e
	}
	return out
}

// All returns every *Error err carries: a List's, or the one *Error in its
// chain; nil for an error that carries none.
func All(err error) []*Error {
	var l *List
	if errors.As(err, &l) {
		return l.Errs
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

// Collector gathers a validator's errors. Add keeps client errors (*Error
// and List) and, the first time, any other error; Err returns nil, the one
// error, or a List.
type Collector struct {
	errs  []*Error
	other error
}

// Add records err (nil is ignored) and reports whether it was an error.
func (c *Collector) Add(err error) bool {
	if err == nil {
		return false
	}
	all := All(err)
	if len(all) == 0 {
		if c.other == nil {
			c.other = err
		}
		return true
	}
	for _, e := range all {
		dup := false
		for _, have := range c.errs {
			if have.Field == e.Field && e.Field != "" {
				dup = true // one message per field: the first
				break
			}
		}
		if !dup {
			c.errs = append(c.errs, e)
		}
	}
	return true
}

// Has reports whether field (or a field under it) already failed.
func (c *Collector) Has(field string) bool {
	for _, e := range c.errs {
		if e.Field == field || strings.HasPrefix(e.Field, field+".") || strings.HasPrefix(e.Field, field+"[") {
			return true
		}
	}
	return false
}

// Empty reports whether nothing was added.
func (c *Collector) Empty() bool { return len(c.errs) == 0 && c.other == nil }

// Err is what was collected.
func (c *Collector) Err() error {
	switch {
	case c.other != nil:
		return c.other
	case len(c.errs) == 0:
		return nil
	case len(c.errs) == 1:
		return c.errs[0]
	}
	return &List{Errs: append([]*Error(nil), c.errs...)}
}
