package report

import "sort"

// UsedKeys lists every report catalogue key asked for so far in this test
// binary.
func UsedKeys() []string {
	var out []string
	usedKeys.Range(func(k, _ any) bool {
		out = append(out, k.(string))
		return true
	})
	sort.Strings(out)
	return out
}
