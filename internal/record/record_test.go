package record

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var (
	alice = access.Principal{UserID: "usr_a", Org: "org_a", Roles: []access.Role{access.Monitor}, Via: "token"}
	bob   = access.Principal{UserID: "usr_b", Org: "org_b", Roles: []access.Role{access.Monitor}, Via: "token"}
)

// open returns a store holding two versions of a "memo", owned by org_a
// and restricted to it, whose body has a "secret" field only its owner's
// organisation may read.
func open(t *testing.T) *store.DB {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, dir, append(storetest.Database(t, dir), store.WithSynchronous("normal"))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecSide(`CREATE TABLE memos (id TEXT PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Register(store.Projection{Entity: "memo", Tables: []store.Table{{Name: "memos", Columns: []string{"id"}}},
		Rows: func(id string, _ []byte) (map[string][][]any, error) { return map[string][][]any{"memos": {{id}}}, nil }})
	for v, body := range []string{`{"text":"first","secret":"s1"}`, `{"text":"second","secret":"s2"}`} {
		if _, err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Record(store.Change{Entity: "memo", ID: "mem_1", Version: int64(v + 1), Actor: store.System, Body: json.RawMessage(body)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func memoKind() Kind {
	label := access.Label{Classification: access.Mission, OwnerOrg: "org_a"}
	return Kind{
		Kind: access.Kind{Entity: "memo"},
		Resource: func(_ context.Context, p access.Principal, id string) (access.Resource, error) {
			if id != "mem_1" {
				return access.Resource{}, errs.NotFound("no memo %s", id)
			}
			return access.Kind{Entity: "memo"}.Of(label), nil
		},
		Redact: func(_ context.Context, p access.Principal, _ string, body json.RawMessage) (json.RawMessage, error) {
			if p.Org == "org_a" {
				return body, nil
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, err
			}
			delete(m, "secret")
			return json.Marshal(m)
		},
	}
}

func TestHistoryRedactsForTheReader(t *testing.T) {
	r := NewRegistry(open(t), []Kind{memoKind()})
	ctx := context.Background()
	for _, c := range []struct {
		who        access.Principal
		wantSecret bool
	}{{alice, true}, {bob, false}} {
		vs, err := r.History(ctx, c.who, "memo", "mem_1")
		if err != nil || len(vs) != 2 {
			t.Fatalf("%s: %d versions, %v", c.who.UserID, len(vs), err)
		}
		for _, v := range vs {
			if got := strings.Contains(string(v.Body), "secret"); got != c.wantSecret {
				t.Errorf("%s version %d: secret shown %v, want %v: %s", c.who.UserID, v.Version, got, c.wantSecret, v.Body)
			}
		}
	}
}

func TestUnknownOrHiddenIsNotFound(t *testing.T) {
	ctx := context.Background()
	hidden := memoKind()
	hidden.Resource = func(context.Context, access.Principal, string) (access.Resource, error) {
		return access.Kind{Entity: "memo"}.Of(access.Label{Classification: access.Restricted, OwnerOrg: "org_a"}), nil
	}
	r := NewRegistry(open(t), []Kind{hidden})
	for _, c := range []struct {
		name           string
		who            access.Principal
		entity, id     string
		wantCode       errs.Code
		wantNoMentions bool
	}{
		{"a kind nobody declared", alice, "secret_kind", "x", errs.CodeNotFound, true},
		{"a record of another organisation", bob, "memo", "mem_1", errs.CodeNotFound, true},
		{"a path in the id", alice, "memo", "mem_1/../x", errs.CodeNotFound, true},
		{"no reader", access.Anonymous, "memo", "mem_1", errs.CodeUnauthenticated, false},
	} {
		_, err := r.History(ctx, c.who, c.entity, c.id)
		if errs.CodeOf(err) != c.wantCode {
			t.Errorf("%s: %v, want %s", c.name, err, c.wantCode)
		}
	}
	if _, err := r.History(ctx, alice, "memo", "mem_1"); err != nil {
		t.Errorf("the owner's history: %v", err)
	}
}

func TestADeclarationIsChecked(t *testing.T) {
	for name, lists := range map[string][][]Kind{
		"twice":          {{memoKind()}, {memoKind()}},
		"no resource":    {{{Kind: access.Kind{Entity: "memo"}}}},
		"no entity name": {{{Resource: memoKind().Resource}}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("a kind declared %s was accepted", name)
				}
			}()
			NewRegistry(nil, lists...)
		}()
	}
}
