package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// Hazard areas and land release. A hazard area has no page of its own
// besides its history: its event page (/hazard-areas/{id}/events) shows
// the area's state and the form to confirm it or release land.

// formDevices is how many device rows the release form offers.
const formDevices = 3

var hazardFields = []string{"name", "district", "place_id", "polygon", "evidence", "minefield_id", "recorded_on", "note",
	"classification", "restricted_to"}

type hazardFormData struct {
	Evidence, Places, Minefields, Orgs, Classifications []Option
	Today                                               string
	Max                                                 formLimits
}

func (s *Pages) hazardForm(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "forms.hazard.title", "hazard_areas")
	if !ok {
		return
	}
	form := newForm(url.Values{"classification": {string(access.Mission)}})
	if id := r.URL.Query().Get("minefield"); id != "" {
		if m, err := s.Mines.GetMinefield(r.Context(), p, id); err == nil {
			form.Values.Set("minefield_id", m.ID)
			form.Values.Set("district", m.District)
		}
	}
	s.showHazardForm(w, r, pg, p, form, http.StatusOK)
}

func (s *Pages) showHazardForm(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, form *web.Form, status int) {
	pg.Title, pg.Nav = "forms.hazard.title", "hazard_areas"
	if err := s.Mines.MayRecordHazardArea(p); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	if form.Key == "" {
		form.Key = newFormKey()
	}
	d := hazardFormData{Evidence: translated(pg, "forms.hazevidence.", mines.HazardEvidence()), Places: s.placeOptions(r.Context(), pg, p),
		Orgs: s.orgOptions(r.Context(), pg, p), Classifications: classificationOptions(pg), Today: s.Now().In(pg.Location).Format(time.DateOnly),
		Max: formLimits{Name: mines.MaxName, Note: mines.MaxNote}}
	mfs, err := s.Mines.ListMinefields(r.Context(), p, mines.MinefieldFilter{}, store.PageRequest{Limit: maxFormChoices})
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	for _, m := range mfs.Items {
		d.Minefields = append(d.Minefields, Option{Value: m.ID, Label: minefieldLabel(pg, m)})
	}
	pg.Form, pg.Data = form, d
	pg.JSKeys = append(pg.JSKeys, mapMessages...)
	pg.JSKeys = append(pg.JSKeys, "forms.draw.hint", "forms.draw.undo", "forms.draw.clear")
	s.render.Render(w, status, "hazard_form", pg)
}

// minefieldLabel names a minefield record in a list of choices.
func minefieldLabel(pg *web.Page, m mines.Minefield) string {
	label := m.District + " · " + m.LaidAt.In(pg.Location).Format(time.DateOnly) + " · " + pg.Org(m.LaidBy)
	if m.Designation != "" {
		label = m.Designation + " · " + label
	}
	return label
}

func hazardInput(form *web.Form) (mines.HazardAreaInput, error) {
	in := mines.HazardAreaInput{Name: formText(form, "name"), District: formText(form, "district"), PlaceID: form.V("place_id"),
		Evidence: form.V("evidence"), MinefieldID: form.V("minefield_id"), RecordedOn: formText(form, "recorded_on"), Note: formLongText(form, "note")}
	in.LabelInput = access.LabelInput{Classification: form.V("classification"), RestrictedTo: formList(form, "restricted_to")}
	var err error
	in.Polygon, err = parseRing("polygon", form.V("polygon"))
	return in, err
}

func (s *Pages) recordHazard(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "forms.hazard.title", "hazard_areas", "/hazard-areas/new")
	if !ok {
		return
	}
	form := &web.Form{Values: r.PostForm}
	done, err := s.submit(w, r, p, form, func() (string, error) {
		in, err := hazardInput(form)
		if err != nil {
			return "", err
		}
		h, err := s.Mines.RecordHazardArea(r.Context(), p, in)
		if err != nil {
			return "", err
		}
		return doneAt("/hazard-areas/"+url.PathEscape(h.ID)+"/events", "forms.done.hazard_area"), nil
	})
	if done {
		return
	}
	if !formProblem(err) {
		s.pageFail(w, r, pg, err)
		return
	}
	showErrors(pg, form, err, hazardFields)
	s.showHazardForm(w, r, pg, p, form, formStatus(err))
}

// Confirmation and land release.

var hazardEventFields = func() []string {
	f := []string{"kind", "date", "method", "area_m2", "devices", "note", "version"}
	for i := range formDevices {
		pre := "devices[" + strconv.Itoa(i) + "]"
		f = append(f, pre+".category", pre+".model", pre+".count", pre+".condition", pre+".depth_m", pre+".location")
	}
	return f
}()

type hazardEventData struct {
	Area                             mines.HazardArea
	May                              bool // the reader may confirm or release it
	Kinds, Methods, DeviceCategories []Option
	DeviceRows                       []moveRow
	Today                            string
	Max                              formLimits
	MaxCount                         int64
	EventForm                        *web.Form
}

func (s *Pages) hazardEventPage(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.reader(w, r, "forms.hazard_event.title", "hazard_areas")
	if !ok {
		return
	}
	form := newForm(url.Values{"date": {s.Now().In(pg.Location).Format(time.DateOnly)}})
	s.showHazardEvent(w, r, pg, p, r.PathValue("id"), form, http.StatusOK)
}

func (s *Pages) showHazardEvent(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, id string, form *web.Form, status int) {
	pg.Title, pg.Nav = "forms.hazard_event.title", "hazard_areas"
	h, err := s.Mines.GetHazardArea(r.Context(), p, id)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	if form.Key == "" {
		form.Key = newFormKey()
	}
	d := hazardEventData{Area: h, May: s.Mines.MayAddHazardEvent(p, h) == nil,
		Kinds:            translated(pg, "forms.hazevent.", []string{mines.EventConfirm, mines.EventRelease}),
		Methods:          translated(pg, "forms.hazmethod.", mines.Methods),
		DeviceCategories: translated(pg, "forms.device.", mines.DeviceCategories()),
		Today:            s.Now().In(pg.Location).Format(time.DateOnly), Max: formLimits{Model: mines.MaxModel, Note: mines.MaxNote},
		MaxCount: mines.MaxMinesPerType, EventForm: form}
	for i := range formDevices {
		d.DeviceRows = append(d.DeviceRows, moveRow{I: i, N: i + 1, Pre: "devices[" + strconv.Itoa(i) + "]"})
	}
	pg.Form, pg.Data = form, d
	s.render.Render(w, status, "hazard_event_form", pg)
}

func hazardEventInput(form *web.Form) (mines.EventInput, error) {
	in := mines.EventInput{Kind: form.V("kind"), Date: formText(form, "date"), Method: form.V("method"), Note: formLongText(form, "note")}
	area, err := formFloat(form, "area_m2")
	if err != nil {
		return in, err
	}
	if area != nil {
		in.AreaM2 = *area
	}
	for i := range formDevices {
		pre := "devices[" + strconv.Itoa(i) + "]"
		d := mines.Device{Category: form.V(pre + ".category"), Model: formText(form, pre+".model"), Condition: formText(form, pre+".condition")}
		count := formText(form, pre+".count")
		depth, err := formFloat(form, pre+".depth_m")
		if err != nil {
			return in, err
		}
		if d.Category == "" && d.Model == "" && d.Condition == "" && count == "" && depth == nil {
			continue
		}
		if count != "" {
			if d.Count, err = strconv.ParseInt(count, 10, 64); err != nil {
				return in, errs.Invalid(pre+".count", "must be a whole number")
			}
		}
		d.DepthM = depth
		in.Devices = append(in.Devices, d)
	}
	return in, nil
}

func (s *Pages) addHazardEvent(w http.ResponseWriter, r *http.Request) {
	pg, p, ok := s.writer(w, r, "forms.hazard_event.title", "hazard_areas", "")
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
		in, err := hazardEventInput(form)
		if err != nil {
			return "", err
		}
		if _, err := s.Mines.AddEvent(r.Context(), p, id, version, in); err != nil {
			return "", err
		}
		return doneAt("/hazard-areas/"+url.PathEscape(id)+"/events", "forms.done.hazard_event"), nil
	})
	if done {
		return
	}
	if !formProblem(err) {
		s.pageFail(w, r, pg, err)
		return
	}
	showErrors(pg, form, err, hazardEventFields)
	form.Key = ""
	s.showHazardEvent(w, r, pg, p, id, form, formStatus(err))
}
