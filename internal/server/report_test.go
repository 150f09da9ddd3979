package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A co-chair issues the daily report of 12 June 2021; a reader checks it as
// the footer tells them to: the JSON's hash, the change that records it,
// and the inclusion proof against the signed checkpoint.
func TestIssuedReportVerifiesAgainstTheLog(t *testing.T) {
	s := start(t)
	id := "daily-2021-06-12-public"
	draft := s.with("observer").do("GET", "/api/v1/reports/"+id+"?format=html", "")
	if draft.status != http.StatusOK || !strings.Contains(string(draft.body), "not issued (draft)") {
		t.Fatalf("draft: %d", draft.status)
	}
	// A report is a document: its own inline style, no script, no framing.
	if csp := draft.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script") {
		t.Errorf("report page CSP %q", csp)
	}
	if res := s.with("analyst").do("POST", "/api/v1/reports/"+id+"/issue", ""); res.status != http.StatusForbidden {
		t.Fatalf("issue as analyst: %d, want 403", res.status)
	}
	res := s.with("cochair").do("POST", "/api/v1/reports/"+id+"/issue", "")
	if res.status != http.StatusCreated {
		t.Fatalf("issue: %d %s", res.status, res.body)
	}
	var issued struct {
		DataSHA256 string `json:"data_sha256"`
		LogSeq     int64  `json:"log_seq"`
	}
	res.json(t, &issued)
	if again := s.with("cochair").do("POST", "/api/v1/reports/"+id+"/issue", ""); again.status != http.StatusConflict {
		t.Fatalf("issuing twice: %d, want 409", again.status)
	}
	js := s.with("observer").do("GET", "/api/v1/reports/"+id+"/download?format=json", "")
	sum := sha256.Sum256(js.body)
	if hex.EncodeToString(sum[:]) != issued.DataSHA256 {
		t.Fatal("the issued JSON does not hash to the recorded data hash")
	}
	if cd := js.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("download disposition %q", cd)
	}
	html := s.with("observer").do("GET", "/api/v1/reports/"+id+"?format=html", "")
	if !strings.Contains(string(html.body), issued.DataSHA256) || strings.Contains(string(html.body), "draft") {
		t.Error("the issued HTML does not print the data hash, or still says draft")
	}
	var proof struct {
		Proof struct {
			Seq        int64       `json:"seq"`
			Size       int64       `json:"size"`
			LeafHash   tlog.Hash   `json:"leaf_hash"`
			Proof      []tlog.Hash `json:"proof"`
			Checkpoint string      `json:"checkpoint"`
		} `json:"proof"`
	}
	s.with("observer").do("GET", "/api/v1/reports/"+id+"/proof", "").json(t, &proof)
	if proof.Proof.Seq != issued.LogSeq {
		t.Fatalf("proof of seq %d, the footer prints %d", proof.Proof.Seq, issued.LogSeq)
	}
	key := strings.TrimSpace(string(s.do("GET", "/log/key", "").body))
	verifier, err := note.NewVerifier(key)
	if err != nil {
		t.Fatal(err)
	}
	cp, _, _, err := log.ParseCheckpoint([]byte(proof.Proof.Checkpoint), verifier.Name(), verifier)
	if err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	var root tlog.Hash
	copy(root[:], cp.Hash)
	if err := tlog.CheckRecord(proof.Proof.Proof, int64(cp.Size), root, proof.Proof.Seq, proof.Proof.LeafHash); err != nil {
		t.Fatalf("inclusion: %v", err)
	}
	// The change itself, as the history serves it, records the hash.
	hist := s.with("observer").do("GET", "/api/v1/history/report/"+id, "")
	if hist.status != http.StatusOK || !strings.Contains(string(hist.body), issued.DataSHA256) {
		t.Fatalf("history: %d %s", hist.status, hist.body)
	}
}

func TestReportBadRequests(t *testing.T) {
	s := start(t)
	cases := []struct {
		name, method, path, body string
		want                     int
	}{
		{"a date in the future", "GET", "/api/v1/reports?kind=daily&date=2999-01-01&edition=public", "", http.StatusBadRequest},
		{"an unknown edition", "POST", "/api/v1/reports", `{"kind":"daily","date":"2021-06-12","edition":"secret"}`, http.StatusBadRequest},
		{"an unknown format", "GET", "/api/v1/reports?kind=daily&date=2021-06-12&edition=public&format=docx", "", http.StatusBadRequest},
		{"a range ending before it starts", "GET", "/api/v1/reports?kind=summary&from=2021-06-30&to=2021-06-01&edition=public", "", http.StatusBadRequest},
		{"an unknown field", "POST", "/api/v1/reports", `{"kind":"daily","date":"2021-06-12","edition":"public","colour":"red"}`, http.StatusBadRequest},
		{"an unknown table", "GET", "/api/v1/reports/daily-2021-06-12-public?format=csv&table=nope", "", http.StatusBadRequest},
		{"an id naming no report", "GET", "/api/v1/reports/weekly-2021", "", http.StatusNotFound},
		{"the proof of a report not issued", "GET", "/api/v1/reports/daily-2021-06-11-public/proof", "", http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if res := s.with("analyst").do(c.method, c.path, c.body); res.status != c.want {
				t.Errorf("%d %s, want %d", res.status, res.body, c.want)
			}
		})
	}
	t.Run("a date with no data", func(t *testing.T) {
		res := s.with("analyst").do("GET", "/api/v1/reports?kind=daily&date=2021-04-25&edition=mission", "")
		if res.status != http.StatusOK || !strings.Contains(string(res.body), `"empty": true`) {
			t.Errorf("%d %s", res.status, res.body)
		}
	})
	t.Run("the mission edition without the right", func(t *testing.T) {
		// With the public view on, a request without credentials reads the
		// public edition and is refused the mission edition.
		s.app.Server.Config.PublicView = true
		defer func() { s.app.Server.Config.PublicView = false }()
		if res := s.with("").do("GET", "/api/v1/reports?kind=daily&date=2021-06-12&edition=public", ""); res.status != http.StatusOK {
			t.Errorf("public edition: %d %s", res.status, res.body)
		}
		if res := s.with("").do("GET", "/api/v1/reports?kind=daily&date=2021-06-12&edition=mission", ""); res.status != http.StatusForbidden {
			t.Errorf("mission edition: %d %s, want 403", res.status, res.body)
		}
	})
}
