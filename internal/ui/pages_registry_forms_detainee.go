package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// Persons held: registration, status events (consent among them) and
// exchanges.

// personFields are the registration form's fields, named as the API's.
var personFields = []string{"identity.surname", "identity.first_names", "identity.rank", "identity.date_of_birth",
	"identity.place_of_birth", "identity.service_number", "identity.father_first_name", "identity.mother_maiden_name",
	"identity.person_to_inform", "identity.person_to_inform_address", "identity.correspondence_address",
	"category", "held_by", "nationality", "captured_at", "capture_place_id", "capture_place"}

type formLimits struct{ Name, Address, Note, Model, Description int }

type personFormData struct {
	Sides, Categories, Places []Option
	Side                      string // a liaison's own side: it registers only persons it holds
	Latest, Today             string
	Max                       formLimits
}

func (s *Pages) personForm(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "forms.person.title", "detainees")
	if !ok {
		return
	}
	form := newForm(nil)
	if side := p.Side(); side != "" {
		form.Values.Set("held_by", side)
	}
	s.showPersonForm(w, r, pg, p, form, http.StatusOK)
}

func (s *Pages) showPersonForm(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, form *web.Form, status int) {
	pg.Title, pg.Nav = "forms.person.title", "detainees"
	if err := s.Detainees.MayRegister(p); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	if form.Key == "" {
		form.Key = newFormKey()
	}
	sides, err := s.sideOptions(r.Context(), pg)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	now := s.Now()
	pg.Form = form
	pg.Data = personFormData{Sides: sides, Side: p.Side(), Categories: translated(pg, "detcat.", detainee.Categories),
		Places: s.placeOptions(r.Context(), pg, p), Latest: latestInput(now, pg.Location), Today: now.In(pg.Location).Format(time.DateOnly),
		Max: formLimits{Name: detainee.MaxName, Address: detainee.MaxAddress}}
	s.render.Render(w, status, "person_form", pg)
}

func personInput(form *web.Form, p access.Principal, loc *time.Location) detainee.PersonInput {
	in := detainee.PersonInput{
		Identity: detainee.Identity{Surname: formText(form, "identity.surname"), FirstNames: formText(form, "identity.first_names"),
			Rank: formText(form, "identity.rank"), DateOfBirth: formText(form, "identity.date_of_birth"),
			PlaceOfBirth: formText(form, "identity.place_of_birth"), ServiceNumber: formText(form, "identity.service_number"),
			FatherFirstName: formText(form, "identity.father_first_name"), MotherMaidenName: formText(form, "identity.mother_maiden_name"),
			PersonToInform:        formText(form, "identity.person_to_inform"),
			PersonToInformAddress: formLongText(form, "identity.person_to_inform_address"),
			CorrespondenceAddress: formLongText(form, "identity.correspondence_address")},
		Category: form.V("category"), HeldBy: form.V("held_by"), Nationality: form.V("nationality"),
		CapturedAt: formTime(form.V("captured_at"), loc), CapturePlaceID: form.V("capture_place_id"),
	}
	if side := p.Side(); side != "" {
		in.HeldBy = side // a liaison's form has no choice of side
	}
	return in
}

func (s *Pages) registerPerson(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "forms.person.title", "detainees", "/detainees/new")
	if !ok {
		return
	}
	form := &web.Form{Values: r.PostForm}
	done, err := s.submit(w, r, p, form, func() (string, error) {
		person, err := s.Detainees.RegisterPerson(r.Context(), p, personInput(form, p, pg.Location))
		if err != nil {
			return "", err
		}
		return doneAt("/detainees/"+url.PathEscape(person.ID), "forms.done.person"), nil
	})
	if done {
		return
	}
	if !formProblem(err) {
		s.pageFail(w, r, pg, err)
		return
	}
	showErrors(pg, form, err, personFields)
	s.showPersonForm(w, r, pg, p, form, formStatus(err))
}

// formProblem reports whether err is the form's to show (a field is
// wrong, or the record's history refuses it) rather than a page of its own.
func formProblem(err error) bool {
	c := errs.CodeOf(err)
	return c == errs.CodeInvalid || c == errs.CodeConflict || c == errs.CodeTooLarge
}

// Status events, from the person's page.

// eventFields are the event form's fields.
var eventFields = []string{"kind", "at", "by", "to_side", "place_id", "place", "death.date", "death.place", "death.cause",
	"death.burial_place", "death.grave", "death", "version"}

// personActions is what the person's page offers its reader.
type personActions struct {
	Event              bool // the reader may record status events
	Kinds, Sides, Orgs []Option
	Places             []Option
	Version            int64
	Latest, Today      string
	Max                formLimits
	Exchange           bool // the reader may record an exchange
	EventForm          *web.Form
}

// personActions asks the services what the reader may do on person; form
// is the event form as typed (nil: a fresh one).
func (s *Pages) personActions(r *http.Request, pg *web.Page, p access.Principal, person detainee.Person, form *web.Form) *personActions {
	a := &personActions{Version: person.Version, Exchange: s.Detainees.MayRecordExchange(p) == nil}
	if s.Detainees.MayAddEvent(p, person) != nil {
		return a
	}
	a.Event = true
	a.Kinds = translated(pg, "detevent.", detainee.EventKindsFor(p))
	a.Sides, _ = s.sideOptions(r.Context(), pg)
	a.Orgs = s.orgOptions(r.Context(), pg, p)
	a.Places = s.placeOptions(r.Context(), pg, p)
	now := s.Now()
	a.Latest, a.Today = latestInput(now, pg.Location), now.In(pg.Location).Format(time.DateOnly)
	a.Max = formLimits{Name: detainee.MaxName, Address: detainee.MaxAddress}
	if form == nil {
		form = newForm(url.Values{"at": {a.Latest}}) // an event is most often recorded as it happens
	}
	if form.Key == "" {
		form.Key = newFormKey()
	}
	a.EventForm = form
	return a
}

func eventInput(form *web.Form, loc *time.Location) detainee.EventInput {
	in := detainee.EventInput{Kind: form.V("kind"), At: formTime(form.V("at"), loc), By: form.V("by"), ToSide: form.V("to_side"),
		PlaceID: form.V("place_id")}
	d := detainee.Death{Date: formText(form, "death.date"), Place: formLongText(form, "death.place"), Cause: formLongText(form, "death.cause"),
		BurialPlace: formLongText(form, "death.burial_place"), Grave: formLongText(form, "death.grave")}
	if d != (detainee.Death{}) {
		in.Death = &d
	}
	return in
}

func (s *Pages) addPersonEvent(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "detainee.title", "detainees", "")
	if !ok {
		return
	}
	id := r.PathValue("id")
	form := &web.Form{Values: r.PostForm}
	done, err := s.submit(w, r, p, form, func() (string, error) {
		version, err := strconv.ParseInt(form.V("version"), 10, 64)
		if err != nil {
			return "", errs.Invalid("version", "the page is out of date: open the record again")
		}
		if _, err := s.Detainees.AddEvent(r.Context(), p, id, version, eventInput(form, pg.Location)); err != nil {
			return "", err
		}
		return doneAt("/detainees/"+url.PathEscape(id), "forms.done.event"), nil
	})
	if done {
		return
	}
	if !formProblem(err) {
		s.pageFail(w, r, pg, err)
		return
	}
	person, gerr := s.Detainees.GetPerson(r.Context(), p, id)
	if gerr != nil {
		s.pageFail(w, r, pg, gerr)
		return
	}
	if errs.FieldOf(err) == "consent" {
		// The missing consent stops the event chosen: say so next to it.
		err = &errs.Error{Code: errs.CodeOf(err), Field: "kind", Message: errs.MessageOf(err)}
	}
	showErrors(pg, form, err, eventFields)
	form.Key = "" // a fresh key: the refused one was given back, but the version may have moved
	d := detaineeData{Person: person, Actions: s.personActions(r, pg, p, person, form)}
	if ex, lerr := s.Detainees.ListExchanges(r.Context(), p, detainee.ExchangeFilter{PersonID: person.ID}, store.PageRequest{Limit: registryListLimit}); lerr == nil {
		d.Exchanges = ex.Items
	}
	pg.Form, pg.Data = form, d
	s.render.Render(w, formStatus(err), "detainee", pg)
}

// Exchanges.

// exchangeMoves is how many moves the exchange form offers: one each way.
const exchangeMoves = 2

var exchangeFields = []string{"at", "place_id", "place", "place_name", "mediators", "moves", "moves[0].from_side", "moves[0].to_side",
	"moves[0].persons", "moves[1].from_side", "moves[1].to_side", "moves[1].persons", "links", "all_for_all", "note", "classification"}

// candidate is a person an exchange may move: one the registry shows held.
type candidate struct {
	ID, Label, HeldBy string
	Consent           bool
}

// moveRow is one move of the exchange form: its index, its number as
// shown and its fields' prefix.
type moveRow struct {
	I, N int
	Pre  string
}

type exchangeFormData struct {
	Sides, Orgs, Places, Classifications []Option
	Moves                                []moveRow
	Persons                              []candidate
	More                                 bool // more persons are held than the form lists
	Latest                               string
	Max                                  formLimits
}

// maxCandidates bounds the persons the exchange form lists.
const maxCandidates = 500

func (s *Pages) exchangeForm(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "forms.exchange.title", "exchanges")
	if !ok {
		return
	}
	form := newForm(nil)
	form.Values.Set("classification", "mission")
	if id := r.URL.Query().Get("person"); id != "" {
		if person, err := s.Detainees.GetPerson(r.Context(), p, id); err == nil {
			form.Values.Set("moves[0].from_side", person.HeldBy)
			form.Values.Set("moves[0].to_side", person.Nationality)
			form.Values.Set("moves[0].persons", person.ID)
		}
	}
	s.showExchangeForm(w, r, pg, p, form, http.StatusOK)
}

func (s *Pages) showExchangeForm(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, form *web.Form, status int) {
	pg.Title, pg.Nav = "forms.exchange.title", "exchanges"
	if err := s.Detainees.MayRecordExchange(p); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	if form.Key == "" {
		form.Key = newFormKey()
	}
	sides, err := s.sideOptions(r.Context(), pg)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	d := exchangeFormData{Sides: sides, Orgs: s.orgOptions(r.Context(), pg, p), Places: s.placeOptions(r.Context(), pg, p),
		Classifications: translated(pg, "classification.", []string{string(access.Mission), string(access.Public)}),
		Latest:          latestInput(s.Now(), pg.Location), Max: formLimits{Name: detainee.MaxName, Note: detainee.MaxNote}}
	for i := range exchangeMoves {
		d.Moves = append(d.Moves, moveRow{I: i, N: i + 1, Pre: "moves[" + strconv.Itoa(i) + "]."})
	}
	for _, st := range []string{detainee.StatusHeld, detainee.StatusHospitalised} {
		page, err := s.Detainees.ListPersons(r.Context(), p, detainee.PersonFilter{Status: st}, store.PageRequest{Limit: maxCandidates})
		if err != nil {
			s.pageFail(w, r, pg, err)
			return
		}
		for _, person := range page.Items {
			if len(d.Persons) >= maxCandidates {
				d.More = true
				break
			}
			d.Persons = append(d.Persons, candidate{ID: person.ID, Label: personLabel(pg, person), HeldBy: person.HeldBy, Consent: person.Consent})
		}
		d.More = d.More || page.Next != ""
	}
	pg.Form, pg.Data = form, d
	s.render.Render(w, status, "exchange_form", pg)
}

// personLabel names a person for a reader: by name when the reader may
// read identity, else by category and capture date.
func personLabel(pg *web.Page, person detainee.Person) string {
	if !person.Masked && person.Identity != nil {
		return person.Identity.Surname + ", " + person.Identity.FirstNames
	}
	return pg.T("forms.person.unnamed", "category", pg.T("detcat."+person.Category), "date", person.CapturedAt.In(pg.Location).Format(time.DateOnly))
}

func exchangeInput(form *web.Form, loc *time.Location) detainee.ExchangeInput {
	in := detainee.ExchangeInput{At: formTime(form.V("at"), loc), PlaceID: form.V("place_id"), PlaceName: formText(form, "place_name"),
		Mediators: formList(form, "mediators"), AllForAll: form.V("all_for_all") != "", Note: formLongText(form, "note"),
		Classification: form.V("classification")}
	for i := range exchangeMoves {
		pre := "moves[" + strconv.Itoa(i) + "]."
		m := detainee.MoveInput{FromSide: form.V(pre + "from_side"), ToSide: form.V(pre + "to_side"), Persons: formList(form, pre+"persons")}
		if m.FromSide == "" && m.ToSide == "" && len(m.Persons) == 0 {
			continue // a move left empty
		}
		in.Moves = append(in.Moves, m)
	}
	return in
}

func (s *Pages) recordExchange(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "forms.exchange.title", "exchanges", "/exchanges/new")
	if !ok {
		return
	}
	form := &web.Form{Values: r.PostForm}
	done, err := s.submit(w, r, p, form, func() (string, error) {
		x, err := s.Detainees.RecordExchange(r.Context(), p, exchangeInput(form, pg.Location))
		if err != nil {
			return "", err
		}
		return doneAt("/exchanges/"+url.PathEscape(x.ID), "forms.done.exchange"), nil
	})
	if done {
		return
	}
	if !formProblem(err) {
		s.pageFail(w, r, pg, err)
		return
	}
	showErrors(pg, form, err, exchangeFields)
	s.showExchangeForm(w, r, pg, p, form, formStatus(err))
}
