package access

import (
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestCovers(t *testing.T) {
	public := Label{Classification: Public}
	mission := Label{Classification: Mission}
	personal := Label{Classification: Personal}
	restricted := func(owner string, to ...string) Label {
		return Label{Classification: Restricted, OwnerOrg: owner, RestrictedTo: to}
	}
	cases := []struct {
		name         string
		outer, inner Label
		want         bool
	}{
		{"a public place in any record", public, restricted("centre"), true},
		{"a public place in a public record", public, public, true},
		{"a mission place in a mission record", mission, mission, true},
		{"a mission place in a public record", mission, public, false},
		{"a mission place in a person's record", mission, personal, true},
		{"a restricted place in a mission record", restricted("centre", "az"), mission, false},
		{"a restricted place in a public record", restricted("centre", "az"), public, false},
		{"a restricted place in a person's record", restricted("centre", "az"), personal, false},
		{"a restricted place in a record of the same readers", restricted("centre", "az"), restricted("centre", "az"), true},
		{"a restricted place in a record of fewer readers", restricted("centre", "az"), restricted("az"), true},
		{"a restricted place in a record of another reader", restricted("centre", "az"), restricted("centre", "am"), false},
		{"a restricted place in a record of another owner", restricted("centre", "az"), restricted("am", "az"), false},
		{"a personal record names nothing", personal, personal, false},
	}
	for _, c := range cases {
		if got := Covers(c.outer, c.inner); got != c.want {
			t.Errorf("%s: Covers = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWritersComeWithTheKind(t *testing.T) {
	analyst := Principal{UserID: "u", Org: "centre", Roles: []Role{Analyst}, Via: "token"}
	layer := Kind{Entity: "layer", Writers: []Role{Admin, CoChair, Analyst}}
	if err := Decide(analyst, Create, layer.New()); err != nil {
		t.Errorf("analyst creating a layer: %v", err)
	}
	if err := Decide(analyst, Update, layer.Of(Label{Classification: Mission})); err != nil {
		t.Errorf("analyst updating a layer: %v", err)
	}
	// A kind that declared no writers is written by nobody.
	undeclared := Kind{Entity: "novel"}
	for _, r := range Roles {
		p := Principal{UserID: "u", Org: "centre", Roles: []Role{r}, Via: "token"}
		if err := Decide(p, Create, undeclared.New()); errs.CodeOf(err) != errs.CodeForbidden {
			t.Errorf("%s creating a kind without writers: %v", r, err)
		}
	}
	// A resource built without its kind's writers cannot be written.
	if err := Decide(analyst, Update, Resource{Kind: "layer", Classification: Mission}); errs.CodeOf(err) != errs.CodeForbidden {
		t.Errorf("update of a resource without writers: %v", err)
	}
}

func TestViewKeyMatchesFilter(t *testing.T) {
	a := Principal{UserID: "a", Org: "az", Roles: []Role{Liaison}, Via: "session"}
	b := Principal{UserID: "b", Org: "az", Roles: []Role{Liaison}, Via: "token"}
	c := Principal{UserID: "c", Org: "am", Roles: []Role{Liaison}, Via: "session"}
	h := Principal{UserID: "h", Org: "icrc", Roles: []Role{Humanitarian}, Via: "session"}
	o := Principal{UserID: "o", Org: "icrc", Roles: []Role{Observer}, Via: "session"}
	if ViewKey(a) != ViewKey(b) {
		t.Error("two liaisons of one side see different views")
	}
	for _, other := range []Principal{c, h, Anonymous} {
		if ViewKey(a) == ViewKey(other) {
			t.Errorf("%s shares a view with %s", a.UserID, other.UserID)
		}
	}
	if ViewKey(h) == ViewKey(o) {
		t.Error("a humanitarian officer shares a view with an observer of the same organisation")
	}
	// Same key, same filter.
	fa, aa := Filter(a, "r", "x_readers")
	fb, ab := Filter(b, "r", "x_readers")
	if fa != fb || len(aa) != len(ab) {
		t.Errorf("same view, different filters: %q %v / %q %v", fa, aa, fb, ab)
	}
}
