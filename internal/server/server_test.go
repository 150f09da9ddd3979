package server_test

import (
	"github.com/truce-monitoring/truce/internal/pgtest"

	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/demo"
)

// testServer is the real Truce, on a real port, with the demo loaded.
type testServer struct {
	t      *testing.T
	app    *app.App
	url    string
	loaded *demo.Loaded
	tokens map[string]string // demo username -> API token
	as     string            // whose token requests carry; "" for none
}

// with returns the server seen by another demo account ("" for anonymous).
func (s *testServer) with(user string) *testServer {
	c := *s
	c.as = user
	return &c
}

func start(t *testing.T) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, app.Config{Dir: t.TempDir(), Database: pgtest.Database(t, ""), Synchronous: "normal", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := demo.Load(ctx, a.Services.Demo())
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, acc := range loaded.Accounts {
		_, secret, err := a.Accounts.CreateToken(ctx, operator, acc.ID, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		tokens[acc.Username] = secret
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Server.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
		a.Close()
	})
	return &testServer{t: t, app: a, url: "http://" + ln.Addr().String(), loaded: loaded, tokens: tokens, as: "admin"}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (s *testServer) do(method, path string, body string, headers ...string) response {
	s.t.Helper()
	// A body is JSON unless the headers say otherwise (they are set after).
	if body != "" {
		headers = append([]string{"Content-Type", "application/json"}, headers...)
	}
	return s.raw(s.as, method, path, body, headers...)
}

func TestAPIScenario(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	ag := s.loaded.Agreement
	type step struct {
		name, method, path, body string
		headers                  []string
		status                   int
		contains                 string // substring of the response body
	}
	steps := []step{
		{"list organisations", "GET", "/api/v1/organisations?kind=side", "", nil, 200, `"short_name":"Azerbaijan"`},
		{"read agreement", "GET", "/api/v1/agreements/" + ag, "", nil, 200, `"in_force_at":"2020-11-09T21:00:00Z"`},
		{"provision 6 is overdue without anyone editing it", "GET", "/api/v1/provisions/" + s.loaded.Provisions["6"], "", nil, 200, `"status":"overdue"`},
		{"provision 2 is implemented", "GET", "/api/v1/provisions/" + s.loaded.Provisions["2"], "", nil, 200, `"status":"implemented"`},
		{"filter overdue", "GET", "/api/v1/provisions?status=overdue&agreement_id=" + ag, "", nil, 200, `"number":"6"`},
		{"create provision", "POST", "/api/v1/provisions", fmt.Sprintf(`{"agreement_id":%q,"number":"10","summary":"A test provision.","obligated":[%q],"deadlines":[{"what":"done","due":"2030-01-01T00:00:00Z"}]}`, ag, az), nil, 201, `"number":"10"`},
		{"search a place by the other side's name", "GET", "/api/v1/places?q=stepanakert", "", nil, 200, `Xankəndi`},
		{"search in Armenian script", "GET", "/api/v1/places?q=" + "%D5%8D%D5%BF%D5%A5%D6%83", "", nil, 200, `Khankendi`},
		{"search ignoring diacritics", "GET", "/api/v1/places?q=SUSA", "", nil, 200, `Shushi`},
		{"locate a point in the corridor", "GET", "/api/v1/geo/locate?lat=39.64&lon=46.547&at=2021-06-12T10:00:00Z", "", nil, 200, `"name":"Lachin corridor"`},
		{"locate: side of the line", "GET", "/api/v1/geo/locate?lat=40.0&lon=47.0&at=2021-06-12T10:00:00Z", "", nil, 200, `"side":"left","side_party":"` + az + `"`},
		{"locate: west of the line", "GET", "/api/v1/geo/locate?lat=39.85&lon=46.75&at=2021-06-12T10:00:00Z", "", nil, 200, `"side_party":"` + am + `"`},
		{"openapi", "GET", "/api/v1/openapi.json", "", nil, 200, `"/api/v1/geo/locate"`},
		{"healthz", "GET", "/healthz", "", nil, 200, `"status":"ok"`},
		{"metrics", "GET", "/metrics", "", nil, 200, `truce_log_size`},
		{"unknown path", "GET", "/api/v1/nothing", "", nil, 404, `"code":"not_found"`},
		{"missing record", "GET", "/api/v1/agreements/agr_nothing", "", nil, 404, `"code":"not_found"`},
	}
	for _, st := range steps {
		res := s.do(st.method, st.path, st.body, st.headers...)
		if res.status != st.status || !bytes.Contains(res.body, []byte(st.contains)) {
			t.Errorf("%s: %s %s = %d %s\nwant %d containing %s", st.name, st.method, st.path, res.status, res.body, st.status, st.contains)
		}
	}
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	s := start(t)
	az := s.loaded.Orgs["AZ"]
	ag := s.loaded.Agreement
	prov := fmt.Sprintf(`{"agreement_id":%q,"number":"11","summary":"x","obligated":[%q]`, ag, az)
	layer := `{"kind":"site","subkind":"observation_post","name":"OP","valid_from":"2021-01-01T00:00:00Z","geometry":`
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"malformed JSON", "POST", "/api/v1/organisations", `{"name":"x",`, 400, "invalid", "body"},
		{"not an object", "POST", "/api/v1/organisations", `[1,2]`, 400, "invalid", "body"},
		{"unknown field", "POST", "/api/v1/organisations", `{"name":"X","kind":"side","colour":"red"}`, 400, "invalid", "colour"},
		{"missing required field", "POST", "/api/v1/organisations", `{"kind":"side"}`, 400, "invalid", "name"},
		{"wrong type", "POST", "/api/v1/organisations", `{"name":5,"kind":"side"}`, 400, "invalid", "name"},
		{"control character in a name", "POST", "/api/v1/organisations", `{"name":"bad\u0007name","kind":"side"}`, 400, "invalid", "name"},
		{"bidi override in a name", "POST", "/api/v1/organisations", `{"name":"evil\u202Eeman","kind":"side"}`, 400, "invalid", "name"},
		{"date that does not parse", "POST", "/api/v1/provisions", prov + `,"deadlines":[{"what":"x","due":"10/11/2020"}]}`, 400, "invalid", "deadlines[0].due"},
		{"deadline before the signature", "POST", "/api/v1/provisions", prov + `,"deadlines":[{"what":"x","due":"2020-01-01T00:00:00Z"}]}`, 400, "invalid", "deadlines[0].due"},
		{"latitude out of range", "POST", "/api/v1/layers", layer + `{"type":"Point","coordinates":[46.5,95]}}`, 400, "invalid", "geometry.coordinates[1]"},
		{"self-intersecting polygon", "POST", "/api/v1/layers", `{"kind":"zone","subkind":"buffer","name":"Z","valid_from":"2021-01-01T00:00:00Z","geometry":{"type":"Polygon","coordinates":[[[46,39],[47,40],[47,39],[46,40],[46,39]]]}}`, 400, "invalid", "geometry.coordinates[0]"},
		{"unclosed polygon", "POST", "/api/v1/layers", `{"kind":"zone","subkind":"buffer","name":"Z","valid_from":"2021-01-01T00:00:00Z","geometry":{"type":"Polygon","coordinates":[[[46,39],[47,39],[47,40],[46,40]]]}}`, 400, "invalid", "geometry.coordinates[0][3]"},
		{"corridor of zero width", "POST", "/api/v1/layers", `{"kind":"corridor","name":"C","width_m":0,"valid_from":"2021-01-01T00:00:00Z","geometry":{"type":"LineString","coordinates":[[46,39],[47,40]]}}`, 400, "invalid", "width_m"},
		{"corridor of negative width", "POST", "/api/v1/layers", `{"kind":"corridor","name":"C","width_m":-5,"valid_from":"2021-01-01T00:00:00Z","geometry":{"type":"LineString","coordinates":[[46,39],[47,40]]}}`, 400, "invalid", "width_m"},
		{"place with latitude out of range", "POST", "/api/v1/places", `{"kind":"settlement","names":[{"lang":"en","name":"X"}],"location":{"lat":91,"lon":46}}`, 400, "invalid", "location.lat"},
		{"locate without lat", "GET", "/api/v1/geo/locate?lon=46", "", 400, "invalid", "lat"},
		{"locate with NaN", "GET", "/api/v1/geo/locate?lat=NaN&lon=46", "", 400, "invalid", "lat"},
		{"bad page size", "GET", "/api/v1/places?limit=100000", "", 400, "invalid", "limit"},
		{"bad cursor", "GET", "/api/v1/places?cursor=!!!", "", 400, "invalid", "cursor"},
		{"update without a version", "PUT", "/api/v1/agreements/" + ag, `{}`, 428, "precondition_required", "If-Match"},
		{"oversized body", "POST", "/api/v1/organisations", `{"name":"` + strings.Repeat("x", 2<<20) + `","kind":"side"}`, 413, "too_large", "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.peopleChanges()
			res := s.do(tc.method, tc.path, tc.body)
			var p struct {
				Code  string `json:"code"`
				Field string `json:"field"`
			}
			if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q, body %s", ct, res.body)
			}
			res.json(t, &p)
			if res.status != tc.status || p.Code != tc.code || p.Field != tc.field {
				t.Errorf("got %d %s field %q (%s); want %d %s field %q", res.status, p.Code, p.Field, res.body, tc.status, tc.code, tc.field)
			}
			if after := s.peopleChanges(); after != before {
				t.Errorf("log grew from %d to %d on bad input", before, after)
			}
		})
	}
}

// TestStaleUpdateIsPreconditionFailed: an update made against a version
// that is no longer the record's fails its precondition (412).
func TestStaleUpdateIsPreconditionFailed(t *testing.T) {
	s := start(t)
	id := s.loaded.Orgs["GE"]
	res := s.do("GET", "/api/v1/organisations/"+id, "")
	etag := res.header.Get("ETag")
	body := `{"name":"Georgia","short_name":"Georgia","kind":"mediator","country":"GE"}`
	if res := s.do("PUT", "/api/v1/organisations/"+id, body, "If-Match", etag); res.status != 200 {
		t.Fatalf("first update: %d %s", res.status, res.body)
	}
	if res := s.do("PUT", "/api/v1/organisations/"+id, body, "If-Match", etag); res.status != 412 {
		t.Fatalf("stale update: %d %s, want 412", res.status, res.body)
	}
}

// TestProofWithPublicLibraries checks the log as an outside auditor would:
// only the public key, the checkpoint, a proof and the standard libraries.
func TestProofWithPublicLibraries(t *testing.T) {
	s := start(t)
	if err := s.app.DB.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(s.do("GET", "/log/key", "").body))
	verifier, err := note.NewVerifier(key)
	if err != nil {
		t.Fatalf("key %q: %v", key, err)
	}
	cpText := s.do("GET", "/log/checkpoint", "").body
	cp, _, _, err := log.ParseCheckpoint(cpText, verifier.Name(), verifier)
	if err != nil {
		t.Fatalf("checkpoint: %v\n%s", err, cpText)
	}
	var root tlog.Hash
	copy(root[:], cp.Hash)
	// The history of a provision names its changes; prove each one.
	var hist struct {
		Versions []struct {
			Seq      int64     `json:"seq"`
			LeafHash tlog.Hash `json:"leaf_hash"`
		} `json:"versions"`
	}
	s.do("GET", "/api/v1/history/provision/"+s.loaded.Provisions["6"], "").json(t, &hist)
	if len(hist.Versions) == 0 {
		t.Fatal("no history")
	}
	for _, v := range hist.Versions {
		var p struct {
			Seq      int64       `json:"seq"`
			Size     int64       `json:"size"`
			LeafHash tlog.Hash   `json:"leaf_hash"`
			Proof    []tlog.Hash `json:"proof"`
		}
		s.do("GET", fmt.Sprintf("/api/v1/log/proof/inclusion?seq=%d", v.Seq), "").json(t, &p)
		if p.Size != int64(cp.Size) || p.LeafHash != v.LeafHash {
			t.Fatalf("proof for seq %d: size %d leaf %v; checkpoint size %d, history leaf %v", v.Seq, p.Size, p.LeafHash, cp.Size, v.LeafHash)
		}
		if err := tlog.CheckRecord(p.Proof, p.Size, root, v.Seq, p.LeafHash); err != nil {
			t.Fatalf("inclusion of seq %d: %v", v.Seq, err)
		}
	}
	// The entry bundle holds the leaf whose hash the history shows.
	// A full bundle of 256 entries has no partial suffix (the demo may
	// hold more than 256 changes).
	entries := "/log/tile/entries/000"
	if cp.Size < 256 {
		entries += ".p/" + fmt.Sprint(cp.Size)
	}
	bundle := s.do("GET", entries, "")
	if bundle.status != 200 {
		t.Fatalf("entries: %d %s", bundle.status, bundle.body)
	}
	b := bundle.body
	for i := int64(0); len(b) > 0; i++ {
		n := int(b[0])<<8 | int(b[1])
		data := b[2 : 2+n]
		b = b[2+n:]
		if i == hist.Versions[0].Seq && tlog.RecordHash(data) != hist.Versions[0].LeafHash {
			t.Fatalf("entry %d does not hash to the leaf", i)
		}
	}
	// A level-0 tile read through the standard tile reader agrees with the root.
	tree := tlog.Tree{N: int64(cp.Size), Hash: root}
	hr := tlog.TileHashReader(tree, tileReader{s})
	if _, err := tlog.ProveRecord(tree.N, 0, hr); err != nil {
		t.Fatalf("proof through tiles: %v", err)
	}
	// Consistency between two sizes.
	var c struct {
		From, To         int64
		FromRoot, ToRoot tlog.Hash `json:"-"`
		Proof            []tlog.Hash
	}
	res := s.do("GET", fmt.Sprintf("/api/v1/log/proof/consistency?from=10&to=%d", cp.Size), "")
	res.json(t, &c)
	var roots struct {
		FromRoot tlog.Hash `json:"from_root"`
		ToRoot   tlog.Hash `json:"to_root"`
	}
	res.json(t, &roots)
	if roots.ToRoot != root {
		t.Fatal("consistency proof's to_root is not the checkpoint's")
	}
	if err := tlog.CheckTree(c.Proof, int64(cp.Size), root, 10, roots.FromRoot); err != nil {
		t.Fatalf("consistency: %v", err)
	}
}

// tileReader reads C2SP tiles over HTTP for tlog's tile hash reader, which
// speaks the sumdb path form with the height.
type tileReader struct{ s *testServer }

func (r tileReader) Height() int { return 8 }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		res := r.s.do("GET", "/log/"+p, "")
		if res.status != 200 {
			return nil, fmt.Errorf("%s: %d", p, res.status)
		}
		out[i] = res.body
	}
	return out, nil
}

func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	s := start(t)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	s.do("GET", "/api/v1/openapi.json", "").json(t, &doc)
	n := 0
	for _, rt := range s.app.API.Routes() {
		p := strings.Replace(rt.Path, "{path...}", "{path}", 1)
		if doc.Paths[p][strings.ToLower(rt.Method)] == nil {
			t.Errorf("%s %s is not in openapi.json", rt.Method, rt.Path)
		}
		n++
	}
	if n < 20 {
		t.Fatalf("only %d routes", n)
	}
}

func TestGracefulShutdownKeepsAcknowledgedWrites(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, app.Config{Dir: dir, Database: pgtest.Database(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	org, err := a.Agreements.CreateOrganisation(ctx, access.System, agreement.OrganisationInput{Name: "Centre", Kind: "monitoring_centre"})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := a.Accounts.CreateUser(ctx, operator, account.UserInput{Username: "admin", DisplayName: "Admin", Org: org.ID, Roles: []access.Role{access.Admin}}, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := a.Accounts.CreateToken(ctx, operator, u.ID, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	base := a.DB.Size()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- a.Server.Run(ctx, ln) }()
	url := "http://" + ln.Addr().String()
	var ids []string
	for i := range 20 {
		req, _ := http.NewRequest("POST", url+"/api/v1/organisations", strings.NewReader(fmt.Sprintf(`{"name":"Org %d","kind":"media"}`, i)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var o struct{ ID string }
		json.NewDecoder(res.Body).Decode(&o)
		res.Body.Close()
		if res.StatusCode != 201 {
			t.Fatalf("create: %d", res.StatusCode)
		}
		ids = append(ids, o.ID)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	a.Close()
	audit, err := app.OpenForAudit(context.Background(), dir, pgtest.Database(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	rep, err := audit.Verify(context.Background(), nil)
	if err != nil || !rep.OK() || rep.Changes != base+20 {
		t.Fatalf("after shutdown: %v %+v", err, rep)
	}
	// Close signed a checkpoint covering every acknowledged write.
	var size int64
	if err := audit.QueryRow(context.Background(), `SELECT MAX(size) FROM checkpoints`).Scan(&size); err != nil || size != base+20 {
		t.Fatalf("last checkpoint size %d (%v), want %d", size, err, base+20)
	}
	_ = time.Second
}

// peopleChanges counts the changes people made. The system places records
// again in the background after a layer changes, so the log's size alone
// is not what a request added.
func (s *testServer) peopleChanges() int64 {
	s.t.Helper()
	var n int64
	if err := s.app.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM changes WHERE actor <> 'system'`).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}
