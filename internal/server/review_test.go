package server_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type proposalJSON struct {
	IncidentID string   `json:"incident_id"`
	Score      float64  `json:"score"`
	Reasons    []string `json:"reasons"`
}

func incidentIDs(ps []proposalJSON) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.IncidentID
	}
	return out
}

// Each side accuses the other of one exchange of fire on 15 August 2021;
// the first claim already has an incident. Fusion proposes it for the
// second, a reviewer accepts, and later splits it out again.
func TestReviewScenario(t *testing.T) {
	s := start(t)
	az, am, ru := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"], s.loaded.Orgs["RU"]
	allegation := func(side, against string) string {
		return fmt.Sprintf(`{"source_kind":"side","on_behalf_of":%q,"alleged_perpetrator":%q,"category":"small_arms_fire",`+
			`"location":{"point":{"lat":39.93,"lon":46.9},"precision":"exact"},"time":{"start":"2021-08-15T02:00:00Z","end":"2021-08-15T03:00:00Z"},`+
			`"narrative":"Fire at our positions."}`, side, against)
	}
	incident := func(label string, members ...string) string {
		list := ""
		if len(members) > 0 {
			list = fmt.Sprintf(`,"allegations":[%q]`, members[0])
		}
		return `{"title":"Exchange of fire","category":"small_arms_fire","location":{"point":{"lat":39.93,"lon":46.9},"radius_m":3000},` +
			`"time":{"start":"2021-08-15T01:50:00Z","end":"2021-08-15T03:10:00Z"}` + list + label + `}`
	}
	algAZ := s.post(t, "liaison-az", "POST", "/api/v1/allegations", allegation(az, am), http.StatusCreated)
	inc := s.post(t, "analyst", "POST", "/api/v1/incidents", incident("", algAZ.ID), http.StatusCreated)
	// The same place and time, restricted to a guarantor: no side reads it.
	hidden := s.post(t, "analyst", "POST", "/api/v1/incidents", incident(fmt.Sprintf(`,"classification":"restricted","restricted_to":[%q]`, ru)), http.StatusCreated)
	algAM := s.post(t, "liaison-am", "POST", "/api/v1/allegations", allegation(am, az), http.StatusCreated)

	proposals := func(role string) []proposalJSON {
		t.Helper()
		res := s.with(role).do("GET", "/api/v1/allegations/"+algAM.ID+"/proposals", "")
		if res.status != http.StatusOK {
			t.Fatalf("proposals as %s: %d %s", role, res.status, res.body)
		}
		var ps []proposalJSON
		res.json(t, &ps)
		return ps
	}
	for _, role := range []string{"liaison-am", "liaison-az", "monitor"} {
		ps := proposals(role)
		if len(ps) == 0 || ps[0].IncidentID != inc.ID {
			t.Fatalf("as %s: proposals %+v, want %s first", role, ps, inc.ID)
		}
		if !slices.ContainsFunc(ps[0].Reasons, func(r string) bool { return strings.Contains(r, "mutual accusation") }) {
			t.Errorf("as %s: reasons %q name no mutual accusation", role, ps[0].Reasons)
		}
		if got, want := slices.Contains(incidentIDs(ps), hidden.ID), role == "monitor"; got != want {
			t.Errorf("as %s: restricted incident proposed: %v, want %v", role, got, want)
		}
	}

	// The queue holds the unlinked claim with its proposal, not the linked one.
	var queue struct {
		Items []struct {
			Kind       string `json:"kind"`
			Allegation *struct {
				ID string `json:"id"`
			} `json:"allegation"`
			Proposals []proposalJSON `json:"proposals"`
		} `json:"items"`
	}
	s.with("monitor").do("GET", "/api/v1/review?limit=500", "").json(t, &queue)
	found := false
	for _, it := range queue.Items {
		if it.Allegation != nil && it.Allegation.ID == algAZ.ID {
			t.Errorf("linked allegation %s is queued", algAZ.ID)
		}
		if it.Allegation != nil && it.Allegation.ID == algAM.ID {
			found = len(it.Proposals) > 0 && it.Proposals[0].IncidentID == inc.ID
		}
	}
	if !found {
		t.Fatalf("queue lacks %s with its proposal: %+v", algAM.ID, queue.Items)
	}

	review := func(decision, incID string) string {
		return fmt.Sprintf(`{"report_kind":"allegation","report_id":%q,"incident_id":%q,"decision":%q,"reason":"Checked with the post."}`, algAM.ID, incID, decision)
	}
	// The sides, observers and humanitarian officers do not review.
	for _, role := range []string{"liaison-am", "liaison-az", "observer", "humanitarian"} {
		s.post(t, role, "POST", "/api/v1/review", review("accept", inc.ID), http.StatusForbidden)
	}
	s.post(t, "", "POST", "/api/v1/review", review("accept", inc.ID), http.StatusUnauthorized)
	s.post(t, "monitor", "POST", "/api/v1/review", review("approve", inc.ID), http.StatusBadRequest)

	// Reject: not proposed again.
	s.post(t, "monitor", "POST", "/api/v1/review", review("reject", hidden.ID), http.StatusCreated)
	if ps := proposals("monitor"); slices.Contains(incidentIDs(ps), hidden.ID) {
		t.Errorf("rejected incident proposed again: %v", incidentIDs(ps))
	}

	// Accept: linked.
	s.post(t, "analyst", "POST", "/api/v1/review", review("accept", inc.ID), http.StatusCreated)
	var member struct {
		IncidentID string `json:"incident_id"`
	}
	s.with("liaison-az").do("GET", "/api/v1/allegations/"+algAM.ID, "").json(t, &member)
	if member.IncidentID != inc.ID {
		t.Fatalf("accepted allegation in %q, want %s", member.IncidentID, inc.ID)
	}
	s.post(t, "analyst", "POST", "/api/v1/review", review("accept", inc.ID), http.StatusConflict)

	// Split: out into an incident of its own.
	res := s.with("cochair").do("POST", "/api/v1/review", review("split", inc.ID))
	var split struct {
		NewIncidentID string `json:"new_incident_id"`
		Incident      struct {
			Allegations []string `json:"allegations"`
		} `json:"incident"`
	}
	res.json(t, &split)
	if res.status != http.StatusCreated || split.NewIncidentID == "" || slices.Contains(split.Incident.Allegations, algAM.ID) {
		t.Fatalf("split: %d %s", res.status, res.body)
	}
	s.with("liaison-am").do("GET", "/api/v1/allegations/"+algAM.ID, "").json(t, &member)
	if member.IncidentID != split.NewIncidentID {
		t.Fatalf("split allegation in %q, want %s", member.IncidentID, split.NewIncidentID)
	}
	var opened struct {
		Status      string   `json:"status"`
		Allegations []string `json:"allegations"`
	}
	s.with("liaison-am").do("GET", "/api/v1/incidents/"+split.NewIncidentID, "").json(t, &opened)
	if opened.Status != "received" || !slices.Equal(opened.Allegations, []string{algAM.ID}) {
		t.Fatalf("new incident %+v", opened)
	}
}

// Files: the lodging side attaches a statement to its allegation; the
// other side reads it; a mismatched or oversized file is refused and
// leaves nothing on disk.
func TestAttachmentScenario(t *testing.T) {
	s := start(t)
	az, am := s.loaded.Orgs["AZ"], s.loaded.Orgs["AM"]
	alg := s.post(t, "liaison-az", "POST", "/api/v1/allegations", fmt.Sprintf(`{"source_kind":"side","on_behalf_of":%q,"alleged_perpetrator":%q,`+
		`"category":"small_arms_fire","location":{"point":{"lat":39.93,"lon":46.9},"precision":"exact"},"time":{"start":"2021-08-15T02:00:00Z"},`+
		`"narrative":"Fire at our positions."}`, az, am), http.StatusCreated)
	dir := filepath.Join(s.app.DB.Dir(), "attachments")
	onDisk := func() int {
		n := 0
		filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	upload := func(mediaType, content string, status int, field string) string {
		t.Helper()
		body, ct := multipartAttachment(t, "allegation", alg.ID, mediaType, content)
		res := s.with("liaison-az").do("POST", "/api/v1/attachments", body, "Content-Type", ct)
		if res.status != status {
			t.Fatalf("upload %s: %d %.300s, want %d", mediaType, res.status, res.body, status)
		}
		var out struct {
			SHA256 string `json:"sha256"`
			Field  string `json:"field"`
		}
		res.json(t, &out)
		if out.Field != field {
			t.Fatalf("upload %s: field %q, want %q", mediaType, out.Field, field)
		}
		return out.SHA256
	}
	upload("image/png", "not a picture", http.StatusBadRequest, "file")
	upload("application/x-msdownload", "MZ", http.StatusBadRequest, "media_type")
	upload("text/plain", strings.Repeat("x", 20<<20+1), http.StatusRequestEntityTooLarge, "file")
	if n := onDisk(); n != 0 {
		t.Fatalf("%d files on disk after refused uploads", n)
	}
	sum := upload("text/plain", "Statement of the company commander.", http.StatusCreated, "")
	if n := onDisk(); n != 1 {
		t.Fatalf("%d files on disk, want 1", n)
	}
	res := s.with("liaison-am").do("GET", "/api/v1/attachments/"+sum, "")
	if res.status != http.StatusOK || string(res.body) != "Statement of the company commander." || res.header.Get("Content-Type") != "text/plain" {
		t.Fatalf("read back: %d %q %q", res.status, res.header.Get("Content-Type"), res.body)
	}
	if res := s.with("").do("GET", "/api/v1/attachments/"+sum, ""); res.status != http.StatusUnauthorized {
		t.Fatalf("anonymous read: %d", res.status)
	}
	// The other side cannot attach to this side's claim.
	body, ct := multipartAttachment(t, "allegation", alg.ID, "text/plain", "Ours.")
	if res := s.with("liaison-am").do("POST", "/api/v1/attachments", body, "Content-Type", ct); res.status != http.StatusForbidden {
		t.Fatalf("other side attached: %d %s", res.status, res.body)
	}
}
