package web

import "slices"

// Has reports whether a repeated field (checkboxes, a multiple select)
// holds value, for checked boxes.
func (f *Form) Has(name, value string) bool {
	if f == nil {
		return false
	}
	return slices.Contains(f.Values[name], value)
}
