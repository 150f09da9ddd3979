package witnessclient

import (
	"fmt"
	"testing"

	"github.com/truce-monitoring/truce/internal/audit"
	"github.com/truce-monitoring/truce/internal/witness/specwitness"
)

// The centre's submissions are cosigned by a witness written from the
// C2SP specs alone (not from our witness's code), beside one of ours, and
// the note served then satisfies a policy that needs both.
func TestCentreIsCosignedByTheSpecWitness(t *testing.T) {
	db := openStore(t, t.TempDir())
	write(t, db, 4, "Org")
	spec := specwitness.Start(t)
	if err := spec.Witness.AddLog(db.Keys().Origin, db.Keys().Public); err != nil {
		t.Fatal(err)
	}
	sw, err := ParseWitness(spec.URL + "=" + spec.VKey)
	if err != nil {
		t.Fatal(err)
	}
	ours, _ := startWitness(t, "witness.side-b", db)
	policy := fmt.Appendf(nil, "log %s\nwitness s %s\nwitness o %s\ngroup both all s o\nquorum both\n", db.Keys().Public, spec.VKey, ours.Key)
	s := newService(t, db, nil, policy, sw, ours)
	waitFor(t, "both cosignatures at size 4", func() bool { cp, ok := published(t, s); return ok && cp.Size == 4 })
	// Growth: the centre sends the spec witness a consistency proof from
	// the size it cosigned last, which the spec witness checks with its own
	// RFC 9162 code.
	for round := range 3 {
		write(t, db, 3+round, "More")
		want := db.Size()
		waitFor(t, fmt.Sprintf("both cosignatures at size %d", want), func() bool {
			cp, ok := published(t, s)
			return ok && cp.Size == want
		})
		if size, _, ok := spec.Witness.Latest(db.Keys().Origin); !ok || size != want {
			t.Fatalf("the spec witness holds size %d (%v), want %d", size, ok, want)
		}
	}
	cp, _ := published(t, s)
	p, err := audit.ParsePolicy(policy)
	if err != nil {
		t.Fatal(err)
	}
	if by, err := p.Check(cp.Note); err != nil || len(by.By) != 2 {
		t.Fatalf("policy check of the served note: %v %+v", err, by)
	}
	// Each cosignature verifies with the spec witness's own verifier too.
	v, err := specwitness.NewVerifier(spec.VKey)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range cp.Cosignatures {
		if c.Witness == v.Name() {
			found = true
		}
	}
	if !found {
		t.Fatalf("no cosignature of %s among %+v", v.Name(), cp.Cosignatures)
	}
}
