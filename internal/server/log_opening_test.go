package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// The public log shows that a change happened and when, nothing of a
// record that is not public: an anonymous reader of the entry bundles
// learns neither that side A recorded a minefield nor who signed in. A
// reader entitled to the record gets the opening with a proof that checks
// against the signed checkpoint; any other reader gets the same not found
// as for a change the log does not hold.
func TestPublicLogRevealsNothingOfRestrictedRecords(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	orgs := s.loaded.Orgs
	am, centre := orgs["AM"], orgs["JMC"]
	square := `[{"lat":39.97,"lon":46.95},{"lat":39.97,"lon":46.96},{"lat":39.975,"lon":46.96},{"lat":39.975,"lon":46.95},{"lat":39.97,"lon":46.95}]`
	body := fmt.Sprintf(`{"laid_by":%q,"district":"Aghdam","reference_points":[{"point":{"lat":39.98,"lon":46.94},"description":"Junction"},{"point":{"lat":39.96,"lon":46.97},"description":"Farm"}],`+
		`"perimeter":%s,"mines":[{"category":"anti_tank","model":"TM-62M","count":10}],"emplacement":"hand","laid_at":"1994-04-15","anti_handling":{"present":false},`+
		`"classification":"restricted","restricted_to":[%q]}`, am, square, centre)
	res := s.with("liaison-am").do("POST", "/api/v1/minefields", body)
	var field struct{ ID string }
	res.json(t, &field)
	if res.status != http.StatusCreated || field.ID == "" {
		t.Fatalf("minefield: %d %s", res.status, res.body)
	}
	fieldSeq, fieldActor := changeOf(t, s, "minefield", field.ID)
	secSignIn(t, s, "cochair")
	var eventID string
	if err := s.app.DB.QueryRow(ctx, `SELECT id FROM changes WHERE entity = 'auth_event' ORDER BY seq DESC LIMIT 1`).Scan(&eventID); err != nil {
		t.Fatal(err)
	}
	eventSeq, eventActor := changeOf(t, s, "auth_event", eventID)
	if err := s.app.DB.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}

	// Every entry bundle, read anonymously.
	key := strings.TrimSpace(string(s.with("").do("GET", "/log/key", "").body))
	verifier, err := note.NewVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	cp, _, _, err := log.ParseCheckpoint(s.with("").do("GET", "/log/checkpoint", "").body, verifier.Name(), verifier)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(cp.Size)
	if size <= eventSeq || size <= fieldSeq {
		t.Fatalf("checkpoint of %d changes does not hold seq %d and %d", size, fieldSeq, eventSeq)
	}
	var entries [][]byte
	for n := int64(0); n*256 < size; n++ {
		path := fmt.Sprintf("/log/%s", ledger.TilePath(tlog.Tile{H: 8, L: -1, N: n, W: int(min(256, size-n*256))}))
		res := s.with("").do("GET", path, "")
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.status, res.body)
		}
		es, err := ledger.SplitEntries(res.body)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, es...)
		for _, secret := range []string{field.ID, eventID, "minefield", "auth_event"} {
			if bytes.Contains(res.body, []byte(secret)) {
				t.Errorf("anonymous %s shows %q", path, secret)
			}
		}
	}
	// Authors of public records are named in clear; of these two, not.
	for _, c := range []struct {
		seq   int64
		actor secActor
	}{{fieldSeq, fieldActor}, {eventSeq, eventActor}} {
		e := entries[c.seq]
		if _, err := ledger.ParseCommittedLeaf(e); err != nil {
			t.Fatalf("entry %d is not a committed leaf: %v\n%s", c.seq, err, e)
		}
		for _, secret := range []string{c.actor.User, c.actor.Org, c.actor.Via} {
			if secret != "" && bytes.Contains(e, []byte(secret)) {
				t.Errorf("entry %d shows %q:\n%s", c.seq, secret, e)
			}
		}
	}

	// The owner's liaison opens its minefield's change: the opening hashes
	// to the commitment in the anonymous bundle, names the record and its
	// author, and its proof checks against the signed checkpoint.
	var op struct {
		Seq     int64  `json:"seq"`
		Entity  string `json:"entity"`
		ID      string `json:"id"`
		Leaf    string `json:"leaf"`
		Opening string `json:"opening"`
		Proof   struct {
			Size     int64       `json:"size"`
			LeafHash tlog.Hash   `json:"leaf_hash"`
			Proof    []tlog.Hash `json:"proof"`
		} `json:"proof"`
	}
	res = s.with("liaison-am").do("GET", fmt.Sprintf("/api/v1/log/opening?seq=%d", fieldSeq), "")
	if res.status != http.StatusOK {
		t.Fatalf("opening as the owner: %d %s", res.status, res.body)
	}
	res.json(t, &op)
	if op.Seq != fieldSeq || op.Entity != "minefield" || op.ID != field.ID || op.Leaf != string(entries[fieldSeq]) {
		t.Fatalf("opening: %s", res.body)
	}
	l, err := ledger.CheckOpening([]byte(op.Leaf), []byte(op.Opening))
	if err != nil || l.Entity != "minefield" || l.ID != field.ID || l.Actor != fieldActor.User || l.Org != fieldActor.Org {
		t.Fatalf("opening does not open the leaf: %+v, %v", l, err)
	}
	var root tlog.Hash
	copy(root[:], cp.Hash)
	if op.Proof.Size != size || op.Proof.LeafHash != tlog.RecordHash(entries[fieldSeq]) {
		t.Fatalf("proof of size %d for leaf %v", op.Proof.Size, op.Proof.LeafHash)
	}
	if err := tlog.CheckRecord(op.Proof.Proof, size, root, fieldSeq, op.Proof.LeafHash); err != nil {
		t.Fatalf("inclusion: %v", err)
	}
	// The same record's history carries the opening too.
	var hist struct {
		Versions []struct {
			Seq     int64     `json:"seq"`
			Leaf    string    `json:"leaf"`
			Opening string    `json:"opening"`
			Hash    tlog.Hash `json:"leaf_hash"`
		} `json:"versions"`
	}
	s.with("liaison-am").do("GET", "/api/v1/history/minefield/"+field.ID, "").json(t, &hist)
	if len(hist.Versions) != 1 || hist.Versions[0].Opening != op.Opening || hist.Versions[0].Hash != op.Proof.LeafHash {
		t.Fatalf("history: %+v", hist)
	}

	// Readers not entitled: the same answer as a change beyond the log.
	missing := s.with("liaison-az").do("GET", fmt.Sprintf("/api/v1/log/opening?seq=%d", size+1000), "")
	if missing.status != http.StatusNotFound {
		t.Fatalf("beyond the log: %d %s", missing.status, missing.body)
	}
	digits := regexp.MustCompile(`[0-9]+`)
	for _, c := range []struct {
		who string
		seq int64
	}{{"liaison-az", fieldSeq}, {"observer", eventSeq}, {"liaison-az", eventSeq}, {"humanitarian", fieldSeq}} {
		res := s.with(c.who).do("GET", fmt.Sprintf("/api/v1/log/opening?seq=%d", c.seq), "")
		if res.status != http.StatusNotFound || !bytes.Equal(digits.ReplaceAll(res.body, nil), digits.ReplaceAll(missing.body, nil)) {
			t.Errorf("%s opening seq %d: %d %s (a missing seq: %s)", c.who, c.seq, res.status, res.body, missing.body)
		}
		if bytes.Contains(res.body, []byte(field.ID)) || bytes.Contains(res.body, []byte("minefield")) || bytes.Contains(res.body, []byte("auth_event")) {
			t.Errorf("%s: the refusal names the record: %s", c.who, res.body)
		}
	}
	if res := s.with("").do("GET", fmt.Sprintf("/api/v1/log/opening?seq=%d", fieldSeq), ""); res.status == http.StatusOK {
		t.Errorf("anonymous opening: %d %s", res.status, res.body)
	}

	// A public record's change is in clear, as before: the demo's
	// organisations are reference data.
	var orgSeq int64
	if err := s.app.DB.QueryRow(ctx, `SELECT seq FROM changes WHERE entity = 'organisation' ORDER BY seq LIMIT 1`).Scan(&orgSeq); err != nil {
		t.Fatal(err)
	}
	if l, err := ledger.ParseLeaf(entries[orgSeq]); err != nil || l.Entity != "organisation" {
		t.Fatalf("organisation's entry: %v\n%s", err, entries[orgSeq])
	}
}

// changeOf returns the seq and author of a record's latest change.
func changeOf(t *testing.T, s *testServer, entity, id string) (int64, secActor) {
	t.Helper()
	var seq int64
	var a secActor
	err := s.app.DB.QueryRow(context.Background(), `SELECT seq, actor, org, via FROM changes WHERE entity = ? AND id = ? ORDER BY version DESC LIMIT 1`, entity, id).Scan(&seq, &a.User, &a.Org, &a.Via)
	if err != nil {
		t.Fatalf("change of %s %s: %v", entity, id, err)
	}
	return seq, a
}
