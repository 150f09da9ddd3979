package mines

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/truce-monitoring/truce/internal/errs"
)

// decodeStrict decodes one JSON value into v, refusing unknown members and
// trailing data, as the API does.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.Invalid("", "is not valid JSON for this record: %s", err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Invalid("", "has data after the JSON value")
	}
	return nil
}
