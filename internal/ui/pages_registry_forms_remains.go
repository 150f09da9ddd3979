package ui

import (
	"net/http"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// Remains recovered, with their identification and handover when known.
// The registry has a list and no record page: the form leads back to the
// list with the confirmation.

var remainsFields = []string{"count", "recovered_at", "recovered_place_id", "recovered_place", "recovered_by", "identification",
	"identification.method", "identification.identified", "identification.at", "handover", "handover.at", "handover.from_side",
	"handover.to_side", "handover.exchange_id", "note"}

type remainsFormData struct {
	Sides, Orgs, Places, Methods, Exchanges []Option
	Latest                                  string
	Max                                     formLimits
	MaxCount                                int
}

// remainsForm records remains; it leads back to the list.
func (s *Pages) remainsForm() *regForm {
	return &regForm{Title: "forms.remains.title", Nav: "remains", Template: "remains_form", Path: "/remains/new",
		Fields: remainsFields, May: s.Detainees.MayRecordRemains,
		Data: func(r *http.Request, pg *web.Page, p access.Principal) (any, error) {
			sides, err := s.sideOptions(r.Context(), pg)
			if err != nil {
				return nil, err
			}
			d := remainsFormData{Sides: sides, Orgs: s.orgOptions(r.Context(), pg, p), Places: s.placeOptions(r.Context(), pg, p),
				Methods: translated(pg, "forms.identmethod.", detainee.IdentificationMethods), Latest: latestInput(s.Now(), pg.Location),
				Max: formLimits{Note: detainee.MaxNote}, MaxCount: detainee.MaxRemainsCount}
			if xs, err := s.Detainees.ListExchanges(r.Context(), p, detainee.ExchangeFilter{}, store.PageRequest{Limit: maxFormChoices}); err == nil {
				for _, x := range xs.Items {
					d.Exchanges = append(d.Exchanges, Option{Value: x.ID, Label: pg.T("forms.exchange.option", "date", x.At.In(pg.Location).Format(time.DateOnly), "n", x.Total)})
				}
			}
			return d, nil
		},
		Save: func(r *http.Request, pg *web.Page, p access.Principal, form *web.Form) (string, error) {
			in, err := remainsInput(form, pg.Location)
			if err != nil {
				return "", err
			}
			if _, err := s.Detainees.RecordRemains(r.Context(), p, in); err != nil {
				return "", err
			}
			return doneAt("/remains", "forms.done.remains"), nil
		},
	}
}

func remainsInput(form *web.Form, loc *time.Location) (detainee.RemainsInput, error) {
	in := detainee.RemainsInput{RecoveredAt: formTime(form.V("recovered_at"), loc), RecoveredPlaceID: form.V("recovered_place_id"),
		RecoveredBy: form.V("recovered_by"), Note: formLongText(form, "note")}
	var err error
	if in.Count, err = formInt(form, "count"); err != nil {
		return in, err
	}
	if m := form.V("identification.method"); m != "" || formText(form, "identification.identified") != "" || form.V("identification.at") != "" {
		id := &detainee.IdentificationInput{Method: m, At: formTime(form.V("identification.at"), loc)}
		if id.Identified, err = formInt(form, "identification.identified"); err != nil {
			return in, err
		}
		in.Identification = id
	}
	h := &detainee.HandoverInput{At: formTime(form.V("handover.at"), loc), FromSide: form.V("handover.from_side"),
		ToSide: form.V("handover.to_side"), ExchangeID: form.V("handover.exchange_id")}
	if *h != (detainee.HandoverInput{}) {
		in.Handover = h
	}
	return in, nil
}
