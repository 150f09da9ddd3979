// Package errs holds the one error type that Truce's packages return to
// their callers: a machine-readable code, the failing field when there is
// one, and a message that is safe to show to the client.
package errs

import (
	"errors"
	"fmt"
)

// Code says what kind of failure an error is. The HTTP layer maps each code
// to a status in one place.
type Code string

const (
	CodeInvalid         Code = "invalid"
	CodeNotFound        Code = "not_found"
	CodeConflict        Code = "conflict"
	CodeForbidden       Code = "forbidden"
	CodeUnauthenticated Code = "unauthenticated"
	CodeTooLarge        Code = "too_large"
	CodeUnavailable     Code = "unavailable"
	CodeInternal        Code = "internal"
)

// Error is a failure that can be shown to a client. Message must not carry
// internal detail (SQL, paths); wrap the cause with %w in a separate error
// for the log instead.
type Error struct {
	Code    Code
	Field   string // JSON path of the failing field, e.g. "provisions[2].deadline"; empty when none
	Message string // in English, for the API and the log
	// Reason is what is wrong in a word a page can translate ("required",
	// "too_long"…, see the Reason constants); empty when the message is
	// all there is. Params are the values the reason's text names, such
	// as "max" for too_long.
	Reason string
	Params map[string]any
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Invalid reports bad input in field.
func Invalid(field, format string, args ...any) error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports a record that does not exist or that the reader may not see.
func NotFound(format string, args ...any) error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict reports a write that clashes with the current state (a stale
// version, a sealed record, a duplicate).
func Conflict(field, format string, args ...any) error {
	return &Error{Code: CodeConflict, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Forbidden reports an action the principal may not take.
func Forbidden(format string, args ...any) error {
	return &Error{Code: CodeForbidden, Message: fmt.Sprintf(format, args...)}
}

// Unauthenticated reports a request with no valid identity.
func Unauthenticated(format string, args ...any) error {
	return &Error{Code: CodeUnauthenticated, Message: fmt.Sprintf(format, args...)}
}

// TooLarge reports input over a size limit.
func TooLarge(field, format string, args ...any) error {
	return &Error{Code: CodeTooLarge, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Unavailable reports that the database (or another service the request
// needs) could not be reached: nothing was changed, and the same request
// may succeed later.
func Unavailable(format string, args ...any) error {
	return &Error{Code: CodeUnavailable, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or
// CodeInternal when there is none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// FieldOf returns the failing field of the first *Error in err's chain.
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// MessageOf returns the client-safe message of err: the *Error's message, or
// a generic text for internal failures.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Prefix returns err with field prefixed by prefix ("places[3]" + "lat" ->
// "places[3].lat"), so nested validators can report full paths.
func Prefix(prefix string, err error) error {
	var l *List
	if errors.As(err, &l) {
		out := &List{Errs: make([]*Error, len(l.Errs))}
		for i, e := range l.Errs {
			out.Errs[i] = Prefix(prefix, e).(*Error)
		}
		return out
	}
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	f := prefix
	if e.Field != "" {
		if e.Field[0] == '[' {
			f = prefix + e.Field
		} else {
			f = prefix + "." + e.Field
		}
	}
	return &Error{Code: e.Code, Field: f, Message: e.Message, Reason: e.Reason, Params: e.Params}
}
