package simulate

import (
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestReadAssignments(t *testing.T) {
	ids := []string{"r1", "r2", "r3", "r4", "r5"}
	assign, unlisted, err := ReadAssignments(strings.NewReader("id,cluster\r\nr1,7\nr3,7\n\nr2,\nr4, x \n"), ids)
	if err != nil {
		t.Fatal(err)
	}
	if unlisted != 1 {
		t.Errorf("unlisted %d, want 1 (r5)", unlisted)
	}
	if assign[0] != assign[2] || assign[1] == assign[0] || assign[3] == assign[0] || assign[4] == assign[1] || assign[4] == assign[3] {
		t.Errorf("assign %v: want r1 with r3, every other alone", assign)
	}
	for _, c := range []struct{ in, field, line string }{
		{"r9,1", "id", "line 1"},
		{"r1,1\nr1,1", "id", "line 2"},
		{"r1", "cluster", "line 1"},
		{"r1,a,b", "cluster", "line 1"},
		{" ,1", "id", "line 1"},
		{strings.Repeat("x", MaxLineBytes+10), "line", "line 1"},
	} {
		_, _, err := ReadAssignments(strings.NewReader(c.in), ids)
		if errs.FieldOf(err) != c.field || !strings.HasPrefix(err.Error(), c.line) {
			t.Errorf("%.20q: err %v, want %s naming %s", c.in, err, c.line, c.field)
		}
	}
}

func FuzzReadAssignments(f *testing.F) {
	f.Add("id,cluster\nr1,1\nr2,1\nr3,\n")
	f.Add("r1,a\nr1,b\n")
	f.Add("r2\n")
	ids := []string{"r1", "r2", "r3"}
	f.Fuzz(func(t *testing.T, in string) {
		assign, unlisted, err := ReadAssignments(strings.NewReader(in), ids)
		if err != nil {
			if errs.FieldOf(err) == "" {
				t.Fatalf("error %v names no field", err)
			}
			return
		}
		if len(assign) != len(ids) || unlisted < 0 || unlisted > len(ids) {
			t.Fatalf("assign %v unlisted %d", assign, unlisted)
		}
		for _, g := range assign {
			if g < 0 || g >= 2*len(ids) {
				t.Fatalf("group %d out of range: %v", g, assign)
			}
		}
	})
}
