package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/returns"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// Return movements and the monitoring visits to returnees. Neither has a
// record page: each form leads back to its list with the confirmation.

// formDay turns a date input's value, a day in the reader's time zone,
// into RFC 3339 (its start); other text is read as formTime reads it.
func formDay(v string, loc *time.Location) string {
	v = strings.TrimSpace(v)
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return d.UTC().Format(time.RFC3339)
	}
	return formTime(v, loc)
}

var movementFields = []string{"date", "since", "origin_place_id", "origin_text", "destination_place_id", "people", "total", "kind",
	"escort_org", "voluntariness_verified_by", "source", "note", "classification", "restricted_to"}

// peopleCell is one count of the breakdown by sex and age band.
type peopleCell struct{ Name, Age string }

type peopleRow struct {
	Sex   string
	Cells []peopleCell
}

type movementFormData struct {
	Places, Orgs, Kinds, Classifications []Option
	People                               []peopleRow
	Ages                                 []string
	Latest                               string
	Max                                  formLimits
	MaxPeople                            int64
}

// movementForm records a return movement; it leads back to the list.
func (s *Pages) movementForm() *regForm {
	return &regForm{Title: "forms.movement.title", Nav: "returns", Template: "movement_form", Path: "/returns/new",
		Fields: movementFields, May: s.Returns.MayRecordMovement,
		Start: func(*http.Request, access.Principal) url.Values { return mission() },
		Data: func(r *http.Request, pg *web.Page, p access.Principal) (any, error) {
			d := movementFormData{Places: s.placeOptions(r.Context(), pg, p), Orgs: s.orgOptions(r.Context(), pg, p),
				Kinds: translated(pg, "movekind.", returns.MovementKinds()), Classifications: classificationOptions(pg),
				Ages: returns.AgeBands, Latest: latestInput(s.Now(), pg.Location),
				Max: formLimits{Name: returns.MaxName, Note: returns.MaxMovementNote}, MaxPeople: returns.MaxPeople}
			for _, sex := range returns.Sexes {
				row := peopleRow{Sex: sex}
				for _, age := range returns.AgeBands {
					row.Cells = append(row.Cells, peopleCell{Name: "people." + sex + "." + age, Age: age})
				}
				d.People = append(d.People, row)
			}
			return d, nil
		},
		Save: func(r *http.Request, pg *web.Page, p access.Principal, form *web.Form) (string, error) {
			in, err := movementInput(form, pg.Location)
			if err != nil {
				return "", err
			}
			if _, err := s.Returns.RecordMovement(r.Context(), p, in); err != nil {
				return "", err
			}
			return doneAt("/returns", "forms.done.movement"), nil
		},
	}
}

func movementInput(form *web.Form, loc *time.Location) (returns.MovementInput, error) {
	in := returns.MovementInput{Date: formTime(form.V("date"), loc), Since: formTime(form.V("since"), loc),
		OriginPlaceID: form.V("origin_place_id"), OriginText: formText(form, "origin_text"), DestinationPlaceID: form.V("destination_place_id"),
		Kind: form.V("kind"), EscortOrg: form.V("escort_org"), VerifiedBy: form.V("voluntariness_verified_by"),
		Source: formLongText(form, "source"), Note: formLongText(form, "note")}
	in.LabelInput = access.LabelInput{Classification: form.V("classification"), RestrictedTo: formList(form, "restricted_to")}
	if v := formText(form, "total"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return in, errs.Invalid("total", "must be a whole number")
		}
		in.Total = n
	}
	for _, sex := range returns.Sexes {
		for _, age := range returns.AgeBands {
			name := "people." + sex + "." + age
			v := formText(form, name)
			if v == "" {
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return in, errs.Invalid("people", "%s, %s: must be a whole number", sex, age)
			}
			in.People = append(in.People, returns.PeopleCount{Sex: sex, Age: age, Count: n})
		}
	}
	return in, nil
}

// Visits.

var visitFields = func() []string {
	f := []string{"movement_id", "place_id", "date", "findings", "follow_up_due", "follows_up", "team", "note", "classification", "restricted_to"}
	for _, t := range returns.Topics {
		f = append(f, "finding."+t+".rating", "finding."+t+".note")
	}
	return f
}()

type topicRow struct{ Topic, Rating, Note string }

type visitFormData struct {
	Places, Movements, Visits, Ratings, Orgs, Classifications []Option
	Topics                                                    []topicRow
	Latest, Today                                             string
	Max                                                       formLimits
}

// visitForm records a monitoring visit; it leads back to the visits.
func (s *Pages) visitForm() *regForm {
	return &regForm{Title: "forms.visit.title", Nav: "return_visits", Template: "visit_form", Path: "/return-visits/new",
		Fields: visitFields, May: s.Returns.MayRecordVisit,
		Start: func(r *http.Request, _ access.Principal) url.Values {
			v := mission()
			if id := r.URL.Query().Get("movement"); id != "" {
				v.Set("movement_id", id)
			}
			return v
		},
		Data: func(r *http.Request, pg *web.Page, p access.Principal) (any, error) {
			now := s.Now()
			d := visitFormData{Places: s.placeOptions(r.Context(), pg, p), Ratings: translated(pg, "rating.", returns.Ratings),
				Orgs: s.orgOptions(r.Context(), pg, p), Classifications: classificationOptions(pg),
				Latest: latestInput(now, pg.Location), Today: now.In(pg.Location).Format(time.DateOnly), Max: formLimits{Name: returns.MaxName, Note: returns.MaxVisitNote}}
			for _, t := range returns.Topics {
				d.Topics = append(d.Topics, topicRow{Topic: t, Rating: "finding." + t + ".rating", Note: "finding." + t + ".note"})
			}
			ms, err := s.Returns.ListMovements(r.Context(), p, returns.MovementFilter{}, store.PageRequest{Limit: maxFormChoices})
			if err != nil {
				return nil, err
			}
			names := s.names.get(r.Context(), s, p)
			for _, m := range ms.Items {
				name, _ := names.PlaceNames(pg.Lang, pg.Side(), m.DestinationPlaceID)
				d.Movements = append(d.Movements, Option{Value: m.ID, Label: pg.T("forms.visit.movement_option", "date", m.Date.In(pg.Location).Format(time.DateOnly), "place", name, "n", m.Total)})
			}
			vs, err := s.Returns.ListVisits(r.Context(), p, returns.VisitFilter{}, store.PageRequest{Limit: maxFormChoices})
			if err != nil {
				return nil, err
			}
			for _, v := range vs.Items {
				name, _ := names.PlaceNames(pg.Lang, pg.Side(), v.PlaceID)
				d.Visits = append(d.Visits, Option{Value: v.ID, Label: pg.T("forms.visit.visit_option", "date", v.Date.In(pg.Location).Format(time.DateOnly), "place", name)})
			}
			return d, nil
		},
		Save: func(r *http.Request, pg *web.Page, p access.Principal, form *web.Form) (string, error) {
			in, topics := visitInput(form, pg.Location)
			if _, err := s.Returns.RecordVisit(r.Context(), p, in); err != nil {
				return "", findingsByTopic(err, topics)
			}
			return doneAt("/return-visits", "forms.done.visit"), nil
		},
	}
}

// visitInput reads the form; topics is the topic of each finding, in
// order, to put the service's errors about findings[i] next to its topic.
func visitInput(form *web.Form, loc *time.Location) (returns.VisitInput, []string) {
	in := returns.VisitInput{MovementID: form.V("movement_id"), PlaceID: form.V("place_id"), Date: formTime(form.V("date"), loc),
		FollowUpDue: formDay(form.V("follow_up_due"), loc), FollowsUp: form.V("follows_up"), Team: formText(form, "team"),
		Note: formLongText(form, "note")}
	in.LabelInput = access.LabelInput{Classification: form.V("classification"), RestrictedTo: formList(form, "restricted_to")}
	in.Findings = []returns.Finding{}
	var topics []string
	for _, t := range returns.Topics {
		rating, note := form.V("finding."+t+".rating"), formLongText(form, "finding."+t+".note")
		if rating == "" && note == "" {
			continue
		}
		in.Findings = append(in.Findings, returns.Finding{Topic: t, Rating: rating, Note: note})
		topics = append(topics, t)
	}
	return in, topics
}

var findingRE = regexp.MustCompile(`^findings\[(\d+)\]\.(\w+)$`)

// findingsByTopic puts the service's errors about findings[i] on the
// fields of the i-th topic the form sent.
func findingsByTopic(err error, topics []string) error {
	all := errs.All(err)
	if len(all) == 0 {
		return err
	}
	out := &errs.List{Errs: make([]*errs.Error, len(all))}
	for i, e := range all {
		c := *e
		if m := findingRE.FindStringSubmatch(c.Field); m != nil {
			if j, _ := strconv.Atoi(m[1]); j < len(topics) {
				c.Field = "finding." + topics[j] + ".rating"
				if m[2] == "note" {
					c.Field = "finding." + topics[j] + ".note"
				}
			}
		}
		out.Errs[i] = &c
	}
	return out
}
