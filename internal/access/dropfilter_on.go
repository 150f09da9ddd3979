//go:build truce_dropfilter

package access

import "os"

// droppedKind is the kind of record (place, allegation, detainee, ...)
// whose reader's filter this build removes: Filter admits every row of its
// readers table (<kind>_readers) and CanRead admits every record of that
// kind. It exists to show that the canary matrix
// (internal/server/canary_test.go) fails when one service's read filter
// is gone; scripts/canary-teeth.sh builds with this tag and names the kind
// in TRUCE_DROPFILTER. (CanRead keeps refusing a reader without an
// account, as Decide does, so that the two still agree.) Never build a
// server with this tag.
var droppedKind = os.Getenv("TRUCE_DROPFILTER")

func dropped(kind string) bool { return kind != "" && kind == droppedKind }
