package simulate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
)

// ReadAssignments reads a clustering of a stream's reports made by another
// tool, to score it as fusion is scored. The input is text, one
// `id,cluster` a line: id is a report's id in the stream, cluster any
// label (reports with the same label are grouped; an empty label means
// alone). A first line `id,cluster` is a header and skipped; blank lines
// are skipped. Reports of the stream the input does not list stand alone.
//
// It returns a group number per report of ids (in their order) and how
// many reports were not listed. Errors name the line and the field.
func ReadAssignments(r io.Reader, ids []string) (assign []int, unlisted int, err error) {
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
	}
	assign = make([]int, len(ids))
	for i := range assign {
		assign[i] = -1
	}
	labels := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || (n == 1 && line == "id,cluster") {
			continue
		}
		id, label, ok := strings.Cut(line, ",")
		if !ok {
			return nil, 0, fmt.Errorf("line %d: %w", n, errs.Invalid("cluster", "want id,cluster, got %q", clip(line)))
		}
		id, label = strings.TrimSpace(id), strings.TrimSpace(label)
		i, known := index[id]
		switch {
		case id == "":
			return nil, 0, fmt.Errorf("line %d: %w", n, errs.Invalid("id", "empty report id"))
		case !known:
			return nil, 0, fmt.Errorf("line %d: %w", n, errs.Invalid("id", "report %q is not in the stream", clip(id)))
		case assign[i] != -1:
			return nil, 0, fmt.Errorf("line %d: %w", n, errs.Conflict("id", "report %q is listed twice", clip(id)))
		case strings.Contains(label, ","):
			return nil, 0, fmt.Errorf("line %d: %w", n, errs.Invalid("cluster", "a cluster label may not hold a comma: %q", clip(label)))
		}
		if label == "" {
			assign[i] = -2 // alone, numbered below
			continue
		}
		g, ok := labels[label]
		if !ok {
			g = len(labels)
			labels[label] = g
		}
		assign[i] = g
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, 0, fmt.Errorf("line %d: %w", n+1, errs.TooLarge("line", "longer than %d bytes", MaxLineBytes))
		}
		return nil, 0, fmt.Errorf("line %d: %w", n+1, err)
	}
	next := len(labels)
	for i, g := range assign {
		if g < 0 {
			if g == -1 {
				unlisted++
			}
			assign[i] = next
			next++
		}
	}
	return assign, unlisted, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
