package account

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

// FuzzAuthenticateToken: no string but the issued token authenticates, and
// none panics.
func FuzzAuthenticateToken(f *testing.F) {
	e := mustOpen(f)
	u := e.user(f, "bot")
	tok, plain, err := e.svc.CreateToken(ctx, admin, u.ID, "fuzz", 0)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"", "truce_", "truce_" + tok.ID, "truce_" + tok.ID + "_",
		plain[:len(plain)-1], plain + "=", strings.ToUpper(plain), "Bearer " + plain,
		strings.Replace(plain, "_", "-", -1), "truce_tok_00000000000000000000_" + strings.Repeat("A", 43),
		plain[:len(plain)-1] + "B", "truce_tok_\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00_" + strings.Repeat("_", 43),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := e.svc.AuthenticateToken(ctx, s)
		if s == plain {
			if err != nil {
				t.Fatalf("the real token was refused: %v", err)
			}
			return
		}
		if err == nil || p.Authenticated() {
			t.Fatalf("%q authenticated as %+v", s, p)
		}
		if errs.CodeOf(err) != errs.CodeUnauthenticated {
			t.Fatalf("%q: %v", s, err)
		}
	})
}

// FuzzUserInput decodes JSON strictly into a UserInput and validates it:
// it never panics, every refusal is invalid input naming a field, and an
// accepted input gives a body that projects.
func FuzzUserInput(f *testing.F) {
	for _, s := range []string{
		`{"username":"anna.k","display_name":"Anna K.","org":"org_x","roles":["monitor","admin"],"language":"hy"}`,
		`{"username":"liaison","display_name":"L","org":"org_x","roles":["liaison"],"disabled":true}`,
		`{"username":"ab","display_name":"","org":"","roles":[]}`,
		`{"username":"anna","display_name":"A","org":"org_x","roles":["liaison","observer"],"language":"az-Latn"}`,
		`{"username":"anna","display_name":"A\u202e","org":"org_x","roles":["root"]}`,
		`{"username":"anna","extra":1}`,
		`{"roles":[1,2]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The HTTP layer caps bodies; long inputs only slow minimisation.
		if len(data) > 4096 {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var in UserInput
		if err := dec.Decode(&in); err != nil {
			return
		}
		b, err := in.body()
		if err != nil {
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) == "" {
				t.Fatalf("refusal without a field: %v", err)
			}
			return
		}
		if CheckUsername("username", b.Username) != nil || len(b.Roles) == 0 || b.Language == "" {
			t.Fatalf("accepted a bad body: %+v", b)
		}
		for _, r := range b.Roles {
			if _, err := access.ParseRole("r", string(r)); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := userRows("usr_x", &b)
		if err != nil || len(rows["users"]) != 1 {
			t.Fatalf("rows = %v, %v", rows, err)
		}
		// The body round-trips through JSON to the same rows (verify's path).
		raw, _ := json.Marshal(b)
		var back userBody
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		again, _ := userRows("usr_x", &back)
		if js(again) != js(rows) {
			t.Fatalf("rows differ after a round trip: %v vs %v", again, rows)
		}
	})
}
