package ui

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

type reviewData struct {
	Items      []incident.QueueItem
	Next       string
	Titles     map[string]string // incident id → title
	Finder     *finderData       // the incident finder, open for one report
	Undo       string            // the decision just taken, which may be taken back
	Duplicates []DuplicateView   // what marking reports as duplicates did
}

func (s *Pages) reviewPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "review.title", "review")
	if !ok {
		return
	}
	s.showReview(w, r, pg, p, http.StatusOK)
}

func (s *Pages) showReview(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, status int, dups ...DuplicateView) {
	q, err := s.Incidents.ReviewQueue(r.Context(), p, store.PageRequest{Cursor: r.URL.Query().Get("cursor"), Limit: 25})
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d := reviewData{Items: q.Items, Next: q.Next, Titles: map[string]string{}, Finder: s.finder(r, pg, p), Duplicates: dups}
	if rev := r.URL.Query().Get("rev"); rev != "" && pg.Notice != "" {
		d.Undo = rev
	}
	for _, it := range q.Items {
		for _, pr := range it.Proposals {
			if _, ok := d.Titles[pr.IncidentID]; ok {
				continue
			}
			if inc, err := s.Incidents.GetIncident(r.Context(), p, pr.IncidentID); err == nil {
				d.Titles[pr.IncidentID] = inc.Title
			}
		}
	}
	pg.Data = d
	pg.Scripts = append(pg.Scripts, "review.js")
	s.render.Render(w, status, "review", pg)
}

// reviewDecide records the decisions picked in the review queue: the
// ticked proposals with the button pressed, or one button's own decision
// (accept or reject a proposal, attach to an incident found, start a new
// incident).
func (s *Pages) reviewDecide(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "review.title", "review", "")
	if !ok {
		return
	}
	decision := r.PostFormValue("decision")
	picks := r.PostForm["pick"]
	single := false
	if one := r.PostFormValue("one"); one != "" {
		d, rest, _ := strings.Cut(one, "|")
		decision, picks, single = d, []string{rest}, true
	}
	if len(picks) == 0 {
		pg.Error = pg.T("review.none_picked")
		s.showReview(w, r, pg, p, http.StatusOK)
		return
	}
	if len(picks) > 100 {
		pg.Error = pg.T("review.too_many")
		s.showReview(w, r, pg, p, http.StatusOK)
		return
	}
	done := 0
	var last incident.Review
	var problems []string
	for _, pick := range picks {
		parts := strings.Split(pick, "|")
		if len(parts) != 3 {
			problems = append(problems, pg.T("review.bad_pick"))
			continue
		}
		in := incident.ReviewInput{ReportKind: parts[0], ReportID: parts[1], IncidentID: parts[2], Decision: decision, Reason: r.PostFormValue("reason")}
		if decision == incident.DecisionNew {
			in.IncidentID = ""
			in.Title = s.newIncidentTitle(r, pg, p, parts[0], parts[1])
		}
		rev, err := s.Incidents.RecordReview(r.Context(), p, in)
		if err != nil {
			problems = append(problems, explain(pg, err))
			continue
		}
		done++
		last = rev
	}
	if len(problems) > 0 {
		pg.Error = strings.Join(problems, "; ")
		if done > 0 {
			pg.Notice = pg.N("review.done.n", done)
		}
		s.showReview(w, r, pg, p, http.StatusOK)
		return
	}
	if single {
		if decision == incident.DecisionNew && last.NewIncident != nil {
			s.done(w, r, "/incidents/"+url.PathEscape(last.NewIncident.ID), "review.done.new_incident")
			return
		}
		// The queue offers to take the decision back (showReview).
		s.done(w, r, "/review?rev="+url.QueryEscape(last.ID), "review.done."+decision)
		return
	}
	s.done(w, r, "/review", "review.done.n", "n", strconv.Itoa(done))
}

// AttachmentView is a file attached to a record.
type AttachmentView struct {
	SHA256, Name, MediaType string
	Size                    int64
	RecordKind, RecordID    string
}

type incidentData struct {
	incident.SideBySide
	Steps       []incident.Step
	Offers      incident.Offers // what the reader may do now, as the domain says
	CanEdit     bool            // attach files (Offers.AttachFile)
	Attachments []AttachmentView
	Outcomes    []string
	Statuses    []string
	Timeline    []incident.TimelineEvent
	Titles      map[string]string // other incidents the timeline names → title
	Placement   placementView
}

func (s *Pages) incidentPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "incident.title", "incidents")
	if !ok {
		return
	}
	s.showIncident(w, r, pg, p, http.StatusOK)
}

func (s *Pages) showIncident(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, status int) {
	id := r.PathValue("id")
	sides, err := s.Incidents.Sides(r.Context(), p, id)
	if err != nil {
		s.pageFail(w, r, pg, hideMissing("incident", id, err))
		return
	}
	d := incidentData{SideBySide: sides, Outcomes: []string{incident.Substantiated, incident.NotSubstantiated, incident.Inconclusive}, Titles: map[string]string{}}
	d.Offers = s.Incidents.Offers(p, sides.Incident)
	d.Placement = placementOf(sides.Incident.Geography)
	d.Steps, d.CanEdit = d.Offers.Steps, d.Offers.AttachFile
	if d.Timeline, err = s.Incidents.Timeline(r.Context(), p, id); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	for _, ev := range d.Timeline {
		if ev.OtherIncident == "" {
			continue
		}
		if inc, err := s.Incidents.GetIncident(r.Context(), p, ev.OtherIncident); err == nil {
			d.Titles[ev.OtherIncident] = inc.Title
		}
	}
	d.Attachments = s.attachmentsOf(r, p, incident.EntityIncident, []string{id})
	var members []string
	for _, group := range [][]incident.Allegation{sides.SideAAllegations, sides.SideBAllegations, sides.OtherAllegations} {
		for _, a := range group {
			members = append(members, a.ID)
		}
	}
	d.Attachments = append(d.Attachments, s.attachmentsOf(r, p, incident.EntityAllegation, members)...)
	pg.Data = d
	if pg.Form == nil {
		pg.Form = &web.Form{}
	}
	pg.JSKeys = append(pg.JSKeys, mapMessages...) // the map's scripts
	s.render.Render(w, status, "incident", pg)
}

// hideMissing answers a record the reader may not see like one that does
// not exist.
func hideMissing(kind, id string, err error) error {
	if c := errs.CodeOf(err); c == errs.CodeForbidden || c == errs.CodeNotFound {
		return errs.NotFound("no %s %s", kind, id)
	}
	return err
}

// attachmentsOf lists the files attached to records that p may read.
func (s *Pages) attachmentsOf(r *http.Request, p access.Principal, kind string, ids []string) []AttachmentView {
	list, err := s.Incidents.AttachmentsOf(r.Context(), p, kind, ids)
	if err != nil {
		s.Log.Warn("attachments", "err", err)
		return nil
	}
	out := make([]AttachmentView, 0, len(list))
	for _, a := range list {
		out = append(out, AttachmentView{SHA256: a.SHA256, Name: a.Name, MediaType: a.MediaType, Size: a.Size, RecordKind: a.RecordKind, RecordID: a.RecordID})
	}
	return out
}

func formVersion(r *http.Request) (int64, error) {
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || v < 1 {
		return 0, errs.Invalid("version", "the form lost the record's version: reload the page")
	}
	return v, nil
}

// incidentTransition moves an incident one workflow step, or adds a note
// (to=note).
func (s *Pages) incidentTransition(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "incident.title", "incidents", "")
	if !ok {
		return
	}
	id := r.PathValue("id")
	form := &web.Form{Values: r.PostForm}
	fail := func(err error) {
		if c := errs.CodeOf(err); c == errs.CodeNotFound {
			s.pageFail(w, r, pg, err)
			return
		}
		formErrors(pg, form, err)
		pg.Form = form
		s.showIncident(w, r, pg, p, formStatus(err))
	}
	v, err := formVersion(r)
	if err != nil {
		fail(err)
		return
	}
	to := r.PostFormValue("to")
	done := "step"
	if to == "note" {
		done = "note"
		_, err = s.Incidents.AddNote(r.Context(), p, id, v, incident.NoteInput{Kind: r.PostFormValue("note_kind"), Text: r.PostFormValue("text"), Classification: r.PostFormValue("note_class")})
	} else {
		in := incident.TransitionInput{To: to, Reason: r.PostFormValue("reason")}
		if to == incident.FindingMade {
			cred, _ := strconv.Atoi(r.PostFormValue("finding.credibility"))
			in.Finding = &incident.FindingInput{Outcome: r.PostFormValue("finding.outcome"), Attribution: r.PostFormValue("finding.attribution"),
				Reliability: r.PostFormValue("finding.reliability"), Credibility: cred, Summary: r.PostFormValue("finding.summary")}
		}
		_, err = s.Incidents.Transition(r.Context(), p, id, v, in)
	}
	if err != nil {
		fail(err)
		return
	}
	s.done(w, r, "/incidents/"+url.PathEscape(id), "review.done."+done)
}

// formStatus is the status of a form sent back with the server's errors
// next to its fields. It is 200: the answer is a page to go on with, and
// browsers log every 4xx document as a console error.
func formStatus(error) int { return http.StatusOK }

// incidentSplit takes a member out of the incident into a new one.
func (s *Pages) incidentSplit(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "incident.title", "incidents", "")
	if !ok {
		return
	}
	id := r.PathValue("id")
	kind, report, _ := strings.Cut(r.PostFormValue("member"), "|")
	rev, err := s.Incidents.RecordReview(r.Context(), p, incident.ReviewInput{ReportKind: kind, ReportID: report, IncidentID: id,
		Decision: "split", Reason: r.PostFormValue("reason")})
	if err != nil {
		pg.Error = explain(pg, err)
		s.showIncident(w, r, pg, p, formStatus(err))
		return
	}
	next := id
	if rev.NewIncident != nil {
		next = rev.NewIncident.ID
	}
	s.done(w, r, "/incidents/"+url.PathEscape(next), "review.done.split")
}

// uploadAttachment takes a file from the attachment form (multipart, the
// file last) and goes back to the record's page.
func (s *Pages) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	p, sess, err := s.Auth.Principal(w, r)
	if err != nil && errs.CodeOf(err) != errs.CodeUnauthenticated {
		s.pageFail(w, r, s.newPage(r, access.Anonymous, nil, "attachment.title", ""), err)
		return
	}
	if err != nil || !p.Authenticated() {
		// A file cannot be kept across signing in again: choose it again.
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	pg := s.newPage(r, p, sess, "attachment.title", "incidents")
	svc := s.Incidents
	r.Body = http.MaxBytesReader(w, r.Body, svc.MaxAttachmentBytes()+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		s.pageFail(w, r, pg, errs.Invalid("file", "the form must be sent as multipart/form-data"))
		return
	}
	var in incident.AttachmentInput
	back := func() string {
		if in.RecordKind == incident.EntityAllegation {
			return "/allegations/" + url.PathEscape(in.RecordID)
		}
		return "/incidents/" + url.PathEscape(in.RecordID)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			s.pageFail(w, r, pg, errs.Invalid("file", "is required"))
			return
		}
		if err != nil {
			s.pageFail(w, r, pg, errs.Invalid("file", "the upload was cut short"))
			return
		}
		field := part.FormName()
		if field == "file" {
			if in.Name == "" {
				in.Name = part.FileName()
			}
			if in.Name == "" {
				in.Name = "attachment"
			}
			if in.MediaType == "" {
				in.MediaType = part.Header.Get("Content-Type")
			}
			if _, err := svc.Attach(r.Context(), p, in, part); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					err = errs.TooLarge("file", "is over %d bytes", svc.MaxAttachmentBytes())
				}
				s.pageFail(w, r, pg, err)
				return
			}
			s.done(w, r, back(), "review.done.file")
			return
		}
		b, err := io.ReadAll(io.LimitReader(part, 1025))
		if err != nil || len(b) > 1024 {
			s.pageFail(w, r, pg, errs.Invalid(field, "must be at most 1024 bytes"))
			return
		}
		switch field {
		case "record_kind":
			in.RecordKind = string(b)
		case "record_id":
			in.RecordID = string(b)
		case "media_type":
			in.MediaType = string(b)
		case "name":
			in.Name = string(b)
		}
	}
}
