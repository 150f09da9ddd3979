package ui

import (
	"net/http"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/incident"
	"github.com/truce-monitoring/truce/internal/web"
)

// DuplicateView is what marking one report as a duplicate did, shown
// above the queue: the report (by its kind and a link) and its outcome in
// the page's language.
type DuplicateView struct {
	Kind, ID string
	Done     bool
	Message  string
}

// reviewDuplicates marks the reports ticked as duplicates ("dup") as
// repeating the one chosen as the original ("original"), each on its own
// through the service, and shows the queue with each one's outcome.
func (s *Pages) reviewDuplicates(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "review.title", "review", "")
	if !ok {
		return
	}
	kind, original, _ := strings.Cut(r.PostFormValue("original"), "|")
	picked := r.PostForm["dup"]
	var ids []string
	var out []DuplicateView
	for _, v := range picked {
		k, id, _ := strings.Cut(v, "|")
		switch {
		case id == original:
			// The original ticked too: it stays as it is.
		case kind != "" && k != kind:
			out = append(out, DuplicateView{Kind: k, ID: id, Message: pg.T("left16.dup.other_kind")})
		default:
			ids = append(ids, id)
		}
	}
	switch {
	case original == "":
		pg.Error = pg.T("left16.dup.no_original")
	case len(ids) == 0 && len(out) == 0:
		pg.Error = pg.T("left16.dup.none_picked")
	case len(ids) > 0:
		res, err := s.Incidents.MarkDuplicates(r.Context(), p, incident.DuplicatesInput{ReportKind: kind, ReportIDs: ids,
			DuplicateOf: original, Reason: r.PostFormValue("reason")})
		if err != nil {
			pg.Error = duplicateRefusal(pg, err)
			break
		}
		for _, o := range res {
			v := DuplicateView{Kind: kind, ID: o.ReportID, Done: o.Err == nil}
			if o.Err != nil {
				v.Message = duplicateRefusal(pg, o.Err)
			}
			out = append(out, v)
		}
	}
	s.showReview(w, r, pg, p, http.StatusOK, out...)
}

// duplicateRefusal says in the page's language why a report was not
// marked.
func duplicateRefusal(pg *web.Page, err error) string {
	code, field := errs.CodeOf(err), errs.FieldOf(err)
	switch {
	case code == errs.CodeConflict && field == "report_id":
		return pg.T("left16.dup.refused.taken")
	case code == errs.CodeConflict && field == "duplicate_of":
		return pg.T("left16.dup.refused.original_dup")
	case field == "duplicate_of":
		return pg.T("left16.dup.refused.original")
	case field == "report_ids":
		return pg.T("left16.dup.none_picked")
	case field == "reason":
		return pg.T("lists.refused.reason")
	}
	return refusal(pg, err)
}
