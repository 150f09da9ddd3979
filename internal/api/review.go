package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/store"
)

// reviewRoutes serve the review queue: fusion's proposals for reports in
// no incident and the reviewers' decisions on them.
func (s *Server) reviewRoutes() {
	svc := s.Incidents
	kParam := Param{Name: "k", Type: "integer", Description: "how many proposals, 1 to 20, default 5"}
	proposals := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			k, err := queryInt(r, "k", 5, 1, incident.MaxProposals)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			out, err := svc.Proposals(r.Context(), httpx.PrincipalFrom(r.Context()), kind, id, int(k))
			if err != nil {
				s.fail(w, r, notFound(kind, id, err))
				return
			}
			httpx.WriteJSON(w, http.StatusOK, out)
		}
	}
	s.add(Route{Method: "GET", Path: "/api/v1/allegations/{id}/proposals", Summary: "The incidents you may read that this allegation most likely belongs to, best first, with the reasons", Tag: "review",
		Response: []incident.Proposal{}, Query: []Param{kParam}, Handler: proposals(incident.EntityAllegation)})
	s.add(Route{Method: "GET", Path: "/api/v1/observations/{id}/proposals", Summary: "The incidents you may read that this observation most likely belongs to, best first, with the reasons", Tag: "review",
		Response: []incident.Proposal{}, Query: []Param{kParam}, Handler: proposals(incident.EntityObservation)})
	s.add(Route{Method: "GET", Path: "/api/v1/review", Summary: "The review queue: allegations and observations in no incident, newest first, each with its best proposals", Tag: "review",
		Response: store.Page[incident.QueueItem]{}, Query: pageParams,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			page, err := pageRequest(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			out, err := svc.ReviewQueue(r.Context(), httpx.PrincipalFrom(r.Context()), page)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, out)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/incidents/{id}/offers", Summary: "What you may do with an incident now: workflow steps, notes, splitting, attaching, undoing (a sealed incident offers only reopening, to a co-chair)", Tag: "review",
		Response: incident.Offers{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			out, err := svc.IncidentOffers(r.Context(), httpx.PrincipalFrom(r.Context()), id)
			if err != nil {
				s.fail(w, r, notFound(incident.EntityIncident, id, err))
				return
			}
			httpx.WriteJSON(w, http.StatusOK, out)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/incidents/{id}/timeline", Summary: "An incident's events in the order they happened: its reports' times, workflow steps, notes you may read, review decisions and their undoing", Tag: "review",
		Response: []incident.TimelineEvent{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			out, err := svc.Timeline(r.Context(), httpx.PrincipalFrom(r.Context()), id)
			if err != nil {
				s.fail(w, r, notFound(incident.EntityIncident, id, err))
				return
			}
			httpx.WriteJSON(w, http.StatusOK, out)
		}})
	s.add(Route{Method: "POST", Path: "/api/v1/review", Summary: "Accept (link to any incident you read), reject (never propose again), split (out into a new incident), start a new incident from a report in none, or undo the latest decision on a report; monitors, analysts and co-chairs; refused on a sealed incident", Tag: "review",
		Request: incident.ReviewInput{}, Response: incident.Review{}, Status: http.StatusCreated,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			in, err := Decode[incident.ReviewInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			rev, err := svc.RecordReview(r.Context(), httpx.PrincipalFrom(r.Context()), in)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusCreated, rev)
		}})
	s.add(Route{Method: "POST", Path: "/api/v1/review/duplicates", Summary: "Mark several reports in no incident as repeating one report of the same kind: each leaves the queue on its own, and the answer says for each whether it was marked or why not; undo takes one back; monitors, analysts and co-chairs", Tag: "review",
		Request: incident.DuplicatesInput{}, Response: []incident.DuplicateOutcome{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			in, err := Decode[incident.DuplicatesInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			out, err := svc.MarkDuplicates(r.Context(), httpx.PrincipalFrom(r.Context()), in)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, out)
		}})
}

// attachmentRoutes serve files linked to allegations and incidents. An
// upload is streamed: the multipart fields record_kind, record_id,
// media_type and (optionally) name come first, the file part last.
func (s *Server) attachmentRoutes() {
	svc := s.Incidents
	s.add(Route{Accepts: []string{"multipart/form-data"}, Method: "POST", Path: "/api/v1/attachments", Summary: "Attach a file (multipart/form-data: record_kind, record_id, media_type, name, then file) to an allegation or incident you may edit; the content must be of the declared type", Tag: "incidents",
		Response: incident.StoredAttachment{}, Status: http.StatusCreated,
		Form: []Param{{Name: "record_kind", Required: true, Description: "allegation or incident"}, {Name: "record_id", Required: true},
			{Name: "media_type", Required: true, Description: strings.Join(incident.AttachmentMediaTypes, ", ")},
			{Name: "name", Description: "the file's name"}, {Name: "file", Type: "file", Required: true, Description: "the content, last"}},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			p := httpx.PrincipalFrom(r.Context())
			if !p.Authenticated() {
				s.fail(w, r, errs.Unauthenticated("sign in or send a bearer token"))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, svc.MaxAttachmentBytes()+1<<20)
			mr, err := r.MultipartReader()
			if err != nil {
				s.fail(w, r, errs.Invalid("Content-Type", "must be multipart/form-data"))
				return
			}
			var in incident.AttachmentInput
			for {
				part, err := mr.NextPart()
				if errors.Is(err, io.EOF) {
					s.fail(w, r, errs.Invalid("file", "is required, after the other fields"))
					return
				}
				if err != nil {
					s.fail(w, r, errs.Invalid("body", "is not valid multipart/form-data"))
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
					a, err := svc.Attach(r.Context(), p, in, part)
					if err != nil {
						var tooBig *http.MaxBytesError
						if errors.As(err, &tooBig) {
							err = errs.TooLarge("file", "is over %d bytes", svc.MaxAttachmentBytes())
						}
						s.fail(w, r, err)
						return
					}
					httpx.WriteJSON(w, http.StatusCreated, a)
					return
				}
				dst := map[string]*string{"record_kind": &in.RecordKind, "record_id": &in.RecordID, "media_type": &in.MediaType, "name": &in.Name}[field]
				if dst == nil {
					s.fail(w, r, errs.Invalid(field, "is not a field of an attachment"))
					return
				}
				b, err := io.ReadAll(io.LimitReader(part, 1025))
				if err != nil || len(b) > 1024 {
					s.fail(w, r, errs.Invalid(field, "must be at most 1024 bytes"))
					return
				}
				*dst = string(b)
			}
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/attachments/{sha256}", Summary: "The bytes of an attached file, if you read a record it is attached to", Tag: "incidents",
		Content: "application/octet-stream",
		Handler: func(w http.ResponseWriter, r *http.Request) {
			sum := r.PathValue("sha256")
			a, f, err := svc.OpenAttachment(r.Context(), httpx.PrincipalFrom(r.Context()), sum)
			if err != nil {
				s.fail(w, r, notFound(incident.EntityAttachment, sum, err))
				return
			}
			defer f.Close()
			w.Header().Set("Content-Type", a.MediaType)
			w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
			w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("ETag", `"`+a.SHA256+`"`)
			w.WriteHeader(http.StatusOK)
			io.Copy(w, f)
		}})
}
