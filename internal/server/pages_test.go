package server_test

import (
	"context"
	"encoding/base64"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/demo"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

// browser is a cookie-keeping client signed in through the sign-in form.
type browser struct {
	t      *testing.T
	s      *testServer
	client *http.Client
}

type page struct {
	status   int
	location string
	body     string
	notice   string // the message key of the confirmation the answer leaves for the next page
}

// noticeKey is the message key a signed notice cookie carries (the
// signature is the server's to check).
func noticeKey(res *http.Response) string {
	for _, c := range res.Cookies() {
		if c.Name != "truce_notice" || c.MaxAge < 0 || c.Value == "" {
			continue
		}
		enc, _, _ := strings.Cut(c.Value, ".")
		msg, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil {
			return "?"
		}
		key, _, _ := strings.Cut(string(msg), "\x00")
		return key
	}
	return ""
}

func (s *testServer) browser(t *testing.T, user string) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, s: s, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if user == "" {
		return b
	}
	pw := ""
	for _, a := range s.loaded.Accounts {
		if a.Username == user {
			pw = a.Password
		}
	}
	form := hidden(b.get("/login").body) // the form's pre-session token
	form.Set("username", user)
	form.Set("password", pw)
	form.Set("next", "/")
	res := b.post("/login", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d %s", user, res.status, res.body)
	}
	return b
}

func (b *browser) send(req *http.Request) page {
	b.t.Helper()
	b.s.app.Incidents.WaitIdle()
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, location: res.Header.Get("Location"), body: string(body), notice: noticeKey(res)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.s.url+path, nil)
	return b.send(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.s.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_.]+)" value="([^"]*)">`)

// hidden reads a form's hidden fields (the first of each name).
func hidden(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(body, -1) {
		if v.Get(m[1]) == "" {
			v.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	return v
}

// allegationForm fetches the lodging form and fills it.
func (b *browser) allegationForm(narrative string) url.Values {
	b.t.Helper()
	p := b.get("/allegations/new")
	if p.status != 200 {
		b.t.Fatalf("form: %d", p.status)
	}
	v := hidden(p.body)
	v.Set("alleged_perpetrator", b.s.loaded.Orgs["AZ"])
	v.Set("category", "small_arms_fire")
	v.Set("location.precision", "exact")
	v.Set("location.point.lat", "39.85")
	v.Set("location.point.lon", "46.75")
	v.Set("time.start", "2021-07-01T10:00")
	v.Set("narrative", narrative)
	v.Set("classification", "mission")
	return v
}

func countAllegations(t *testing.T, s *testServer, narrative string) int {
	t.Helper()
	p := access.Principal{UserID: "t", Org: s.loaded.Orgs["JMC"], OrgKind: "monitoring_centre", Roles: []access.Role{access.Analyst}}
	page, err := s.app.Incidents.ListAllegations(context.Background(), p, incident.AllegationFilter{}, store.PageRequest{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range page.Items {
		if a.Narrative == narrative {
			n++
		}
	}
	return n
}

func TestPages(t *testing.T) {
	s := start(t)
	inc := ""
	{
		p := access.Principal{UserID: "t", Org: s.loaded.Orgs["JMC"], OrgKind: "monitoring_centre", Roles: []access.Role{access.Analyst}}
		page, err := s.app.Incidents.ListIncidents(context.Background(), p, incident.IncidentFilter{}, store.PageRequest{Limit: 1})
		if err != nil || len(page.Items) == 0 {
			t.Fatal("no demo incident", err)
		}
		inc = page.Items[0].ID
	}
	paths := []string{"/", "/review", "/incidents", "/incidents/" + inc, "/allegations/new", "/observations/new", "/agreements/" + s.loaded.Agreement,
		"/history/incident/" + inc, "/admin/tokens", "/settings", "/incidents?status=closed"}

	t.Run("every page for every role", func(t *testing.T) {
		for _, user := range []string{"admin", "cochair", "monitor", "analyst", "liaison-az", "liaison-am", "humanitarian", "observer"} {
			b := s.browser(t, user)
			for _, path := range paths {
				want := 200
				// A form a role may not use is refused, not shown.
				switch {
				case path == "/allegations/new" && !slices.Contains([]string{"cochair", "monitor", "analyst", "liaison-az", "liaison-am"}, user),
					path == "/observations/new" && !slices.Contains([]string{"cochair", "monitor", "analyst"}, user):
					want = 403
				}
				if p := b.get(path); p.status != want {
					t.Errorf("%s %s: %d, want %d", user, path, p.status, want)
				}
			}
			want := 403
			if user == "admin" {
				want = 200
			}
			if p := b.get("/admin/users"); p.status != want {
				t.Errorf("%s /admin/users: %d, want %d", user, p.status, want)
			}
		}
	})

	t.Run("anonymous readers are sent to sign in and back", func(t *testing.T) {
		b := s.browser(t, "")
		for _, path := range paths {
			p := b.get(path)
			if p.status != http.StatusSeeOther || p.location != "/login?next="+url.QueryEscape(path) {
				t.Errorf("anonymous %s: %d %q", path, p.status, p.location)
			}
		}
		if p := b.get("/login"); p.status != 200 || !strings.Contains(p.body, `name="password"`) {
			t.Errorf("sign-in page: %d", p.status)
		}
	})

	t.Run("workflow buttons only for roles allowed", func(t *testing.T) {
		for user, want := range map[string]bool{"analyst": true, "cochair": true, "observer": false, "liaison-az": false, "humanitarian": false} {
			p := s.browser(t, user).get("/incidents/" + inc)
			if got := strings.Contains(p.body, `id="workflow"`); got != want {
				t.Errorf("%s sees workflow buttons: %v, want %v", user, got, want)
			}
		}
	})

	t.Run("a double-submitted form creates one record", func(t *testing.T) {
		b := s.browser(t, "liaison-am")
		narrative := "Double submitted report (test)."
		form := b.allegationForm(narrative)
		var wg sync.WaitGroup
		results := make([]page, 3)
		for i := range results {
			wg.Add(1)
			go func() { defer wg.Done(); results[i] = b.post("/allegations/new", form) }()
		}
		wg.Wait()
		for i, r := range results {
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/allegations/alg_") || r.location != results[0].location || r.notice != "flash.done.allegation" {
				t.Errorf("submission %d: %d %q %q (first %q) %s", i, r.status, r.location, r.notice, results[0].location, r.body)
			}
		}
		if n := countAllegations(t, s, narrative); n != 1 {
			t.Errorf("%d allegations created, want 1", n)
		}
		// A new form (a new key) creates a new record.
		again := b.allegationForm(narrative)
		if r := b.post("/allegations/new", again); r.status != http.StatusSeeOther || r.location == results[0].location {
			t.Errorf("a second form: %d %q", r.status, r.location)
		}
		if n := countAllegations(t, s, narrative); n != 2 {
			t.Errorf("%d allegations after a second form, want 2", n)
		}
	})

	t.Run("field errors next to the fields, text kept", func(t *testing.T) {
		b := s.browser(t, "liaison-am")
		form := b.allegationForm("Too early (test).")
		form.Set("location.point.lat", "123")
		p := b.post("/allegations/new", form)
		if p.status != 200 || !strings.Contains(p.body, `class="field-error"`) || !strings.Contains(p.body, "Too early (test).") {
			t.Fatalf("bad latitude: %d %s", p.status, p.body)
		}
		if !strings.Contains(p.body, `value="123"`) {
			t.Error("the latitude typed was not kept")
		}
		// The same key may be sent again once corrected.
		form.Set("location.point.lat", "39.85")
		if p := b.post("/allegations/new", form); p.status != http.StatusSeeOther {
			t.Errorf("corrected form: %d %s", p.status, p.body)
		}
	})

	t.Run("an ended session keeps the text through signing in", func(t *testing.T) {
		b := s.browser(t, "liaison-am")
		narrative := "Typed while the session ended <b>bold</b> (test)."
		form := b.allegationForm(narrative)
		// The session ends: a stale cookie is all the browser has.
		u, _ := url.Parse(s.url)
		b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "truce_session", Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Path: "/"}})
		p := b.post("/allegations/new", form)
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, `name="stash.narrative"`) {
			t.Fatalf("post with an ended session: %d %s", p.status, p.body)
		}
		if strings.Contains(p.body, "<b>bold</b>") {
			t.Error("stashed text is not escaped")
		}
		login := hidden(p.body)
		if login.Get("stash.narrative") != narrative || login.Get("next") != "/allegations/new" || login.Get("stash.csrf") != "" {
			t.Fatalf("stash: %v", login)
		}
		pw := ""
		for _, a := range s.loaded.Accounts {
			if a.Username == "liaison-am" {
				pw = a.Password
			}
		}
		login.Set("username", "liaison-am")
		login.Set("password", pw)
		back := b.post("/login", login)
		if back.status != 200 || !strings.Contains(back.body, `id="allegation-form"`) || !strings.Contains(back.body, html.EscapeString(narrative)) {
			t.Fatalf("after signing in again: %d %s", back.status, back.body)
		}
		// The form comes back with a fresh CSRF token and the same key: send it.
		again := hidden(back.body)
		for k, v := range form {
			if k != "csrf" {
				again[k] = v
			}
		}
		if r := b.post("/allegations/new", again); r.status != http.StatusSeeOther {
			t.Fatalf("resubmission: %d %s", r.status, r.body)
		}
		if n := countAllegations(t, s, narrative); n != 1 {
			t.Errorf("%d allegations, want 1", n)
		}
	})

	t.Run("a form without the CSRF token is refused", func(t *testing.T) {
		b := s.browser(t, "liaison-am")
		form := b.allegationForm("No token (test).")
		form.Del("csrf")
		if p := b.post("/allegations/new", form); p.status != http.StatusForbidden {
			t.Errorf("no CSRF: %d", p.status)
		}
		if n := countAllegations(t, s, "No token (test)."); n != 0 {
			t.Errorf("%d allegations created without a CSRF token", n)
		}
	})

	t.Run("settings: language and time zone", func(t *testing.T) {
		b := s.browser(t, "monitor")
		csrf := hidden(b.get("/settings").body).Get("csrf")
		if p := b.post("/settings", url.Values{"csrf": {csrf}, "language": {"ru"}, "time_zone": {"Mars/Olympus"}}); p.status != 200 || !strings.Contains(p.body, `class="field-error"`) {
			t.Errorf("bad zone: %d", p.status)
		}
		if p := b.post("/settings", url.Values{"csrf": {csrf}, "language": {"ru"}, "time_zone": {"Asia/Baku"}}); p.status != http.StatusSeeOther {
			t.Fatalf("save settings: %d %s", p.status, p.body)
		}
		p := b.get("/incidents/" + inc)
		if !strings.Contains(p.body, `<html lang="ru" dir="ltr">`) || !strings.Contains(p.body, "+04") || !strings.Contains(p.body, ` UTC">`) {
			t.Errorf("after choosing Russian and Baku time the page is not in them:\n%.600s", p.body)
		}
		// Another account is not affected; Accept-Language picks Arabic for it.
		req, _ := http.NewRequest("GET", s.url+"/login", nil)
		req.Header.Set("Accept-Language", "ar-EG,ar;q=0.9,en;q=0.5")
		anon := s.browser(t, "")
		if p := anon.send(req); !strings.Contains(p.body, `<html lang="ar" dir="rtl">`) {
			t.Errorf("Accept-Language ar: %.200s", p.body)
		}
	})

	t.Run("an observation through the form", func(t *testing.T) {
		b := s.browser(t, "monitor")
		v := hidden(b.get("/observations/new").body)
		for k, x := range map[string]string{"observer.kind": "post", "observer.position.lat": "39.80", "observer.position.lon": "46.75",
			"kind": "impact", "count": "2", "perception": "heard", "bearing_from": "80", "bearing_to": "110",
			"distance_min_m": "1000", "distance_max_m": "3000", "time.start": "2021-07-02T03:00", "note": "Two impacts (test).", "classification": "mission"} {
			v.Set(k, x)
		}
		p := b.post("/observations/new", v)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/observations/obs_") || p.notice != "flash.done.observation" {
			t.Fatalf("record observation: %d %q %q %s", p.status, p.location, p.notice, p.body)
		}
		if o := b.get(p.location); o.status != 200 || !strings.Contains(o.body, "Two impacts (test).") || !strings.Contains(o.body, `role="status">`) {
			// (An earlier test may have set the monitor's language.)
			t.Errorf("observation page: %d, or no confirmation", o.status)
		}
		v.Set("distance_max_m", "10")
		v.Set("form_key", "another-key")
		if p := b.post("/observations/new", v); p.status != 200 || !strings.Contains(p.body, `class="field-error"`) {
			t.Errorf("a sector whose far edge is nearer than its near edge: %d", p.status)
		}
	})

	t.Run("attach a file to an incident and download it", func(t *testing.T) {
		b := s.browser(t, "analyst")
		csrf := hidden(b.get("/incidents/" + inc).body).Get("csrf")
		var body strings.Builder
		mw := multipart.NewWriter(&body)
		mw.WriteField("record_kind", "incident")
		mw.WriteField("record_id", inc)
		mw.WriteField("media_type", "text/plain")
		fw, _ := mw.CreateFormFile("file", "site-notes.txt")
		fw.Write([]byte("Notes from the site visit (test).\n"))
		mw.Close()
		req, _ := http.NewRequest("POST", s.url+"/attachments?csrf="+url.QueryEscape(csrf), strings.NewReader(body.String()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		p := b.send(req)
		if p.status != http.StatusSeeOther || p.location != "/incidents/"+inc || p.notice != "review.done.file" {
			t.Fatalf("upload: %d %q %q %s", p.status, p.location, p.notice, p.body)
		}
		page := b.get("/incidents/" + inc)
		m := regexp.MustCompile(`href="(/api/v1/attachments/[0-9a-f]{64})" download><bdi dir="auto">site-notes.txt`).FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("the incident page does not list the file")
		}
		if f := b.get(m[1]); f.status != 200 || f.body != "Notes from the site visit (test).\n" {
			t.Errorf("download: %d %q", f.status, f.body)
		}
		// Without the token in the form's address the upload is refused.
		req2, _ := http.NewRequest("POST", s.url+"/attachments", strings.NewReader(body.String()))
		req2.Header.Set("Content-Type", mw.FormDataContentType())
		if p := b.send(req2); p.status != http.StatusForbidden {
			t.Errorf("upload without CSRF: %d", p.status)
		}
	})

	t.Run("admin: add and disable an account, create and revoke a token", func(t *testing.T) {
		b := s.browser(t, "admin")
		v := hidden(b.get("/admin/users").body)
		v.Set("username", "web-test-user")
		v.Set("display_name", "Web test user")
		v.Set("org", s.loaded.Orgs["JMC"])
		v["roles"] = []string{"monitor"}
		v.Set("password", "short")
		if p := b.post("/admin/users", v); p.status != 200 || !strings.Contains(p.body, `class="field-error"`) || strings.Contains(p.body, `value="short"`) {
			t.Errorf("weak password: %d (the password must not come back)", p.status)
		}
		v.Set("password", "a long enough passphrase for tests")
		if p := b.post("/admin/users", v); p.status != http.StatusSeeOther {
			t.Fatalf("add user: %d %s", p.status, p.body)
		}
		u, err := s.app.Accounts.UserByName(context.Background(), operator, "web-test-user")
		if err != nil {
			t.Fatal(err)
		}
		csrf := v.Get("csrf")
		if p := b.post("/admin/users/"+u.ID, url.Values{"csrf": {csrf}, "action": {"roles"}, "version": {"1"}, "roles": {"monitor", "analyst"}}); p.status != http.StatusSeeOther {
			t.Fatalf("set roles: %d %s", p.status, p.body)
		}
		if p := b.post("/admin/users/"+u.ID, url.Values{"csrf": {csrf}, "action": {"disable"}}); p.status != http.StatusSeeOther {
			t.Fatalf("disable: %d %s", p.status, p.body)
		}
		if u, _ = s.app.Accounts.GetUser(context.Background(), operator, u.ID); !u.Disabled || len(u.Roles) != 2 {
			t.Errorf("after the admin's changes: %+v", u)
		}
		tv := hidden(b.get("/admin/tokens").body)
		tv.Set("name", "web test token")
		p := b.post("/admin/tokens", tv)
		if p.status != http.StatusCreated || !strings.Contains(p.body, `id="token-secret">truce_tok_`) {
			t.Fatalf("create token: %d %s", p.status, p.body)
		}
		if again := b.post("/admin/tokens", tv); again.status != http.StatusSeeOther || strings.Contains(again.body, "truce_tok_") {
			t.Errorf("the same token form twice: %d (no second token, no secret)", again.status)
		}
		id := regexp.MustCompile(`action="/admin/tokens/([a-z0-9_]+)/revoke"`).FindStringSubmatch(p.body)
		if id == nil {
			t.Fatal("no revoke button")
		}
		if r := b.post("/admin/tokens/"+id[1]+"/revoke", url.Values{"csrf": {csrf}}); r.status != http.StatusSeeOther {
			t.Errorf("revoke: %d %s", r.status, r.body)
		}
		// A liaison may not manage accounts.
		l := s.browser(t, "liaison-az")
		lv := hidden(l.get("/settings").body)
		if p := l.post("/admin/users/"+u.ID, url.Values{"csrf": {lv.Get("csrf")}, "action": {"disable"}}); p.status != http.StatusForbidden {
			t.Errorf("liaison disabling an account: %d", p.status)
		}
	})

	t.Run("place names as the reader's side and language say them", func(t *testing.T) {
		az, am := s.browser(t, "liaison-az").get("/allegations/new").body, s.browser(t, "liaison-am").get("/allegations/new").body
		if !strings.Contains(az, ">Khankendi</option>") || strings.Contains(az, ">Stepanakert</option>") {
			t.Error("Azerbaijan's liaison does not see Khankendi")
		}
		if !strings.Contains(am, ">Stepanakert</option>") || !strings.Contains(am, "Khankendi (en, Azerbaijan)") {
			t.Error("Armenia's liaison does not see Stepanakert, with the other names on hover")
		}
		b := s.browser(t, "liaison-am")
		csrf := hidden(b.get("/settings").body).Get("csrf")
		b.post("/settings", url.Values{"csrf": {csrf}, "language": {"ru"}, "time_zone": {"UTC"}})
		if ru := b.get("/allegations/new").body; !strings.Contains(ru, ">Степанакерт</option>") {
			t.Error("in Russian, Armenia's liaison does not see Степанакерт")
		}
	})
}

// Every step of the tour truce demo prints opens for the account it names.
func TestDemoTourWorks(t *testing.T) {
	s := start(t)
	var inc struct {
		Items []struct{ ID string } `json:"items"`
	}
	s.with("analyst").do("GET", "/api/v1/incidents?limit=1", "").json(t, &inc)
	if len(inc.Items) == 0 {
		t.Fatal("the demo has no incident")
	}
	for _, step := range demo.Tour {
		path := strings.Replace(step.Path, "<id>", inc.Items[0].ID, 1)
		b := s.browser(t, step.Account)
		res := b.get(path)
		for res.status == http.StatusSeeOther || res.status == http.StatusFound {
			res = b.get(res.location)
		}
		if res.status != http.StatusOK {
			t.Errorf("tour step %s as %s: %d", path, step.Account, res.status)
		}
	}
}
