package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/detainee"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/mines"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/web"
)

// Minefield records and their handovers.

// The minefield form's rows: reference points and types of mine (a record
// has at least two points and one type; blank rows are left out).
const (
	formRefPoints = 3
	formMineTypes = 3
)

var minefieldFields = func() []string {
	f := []string{"designation", "laid_by", "district", "reference_points", "perimeter", "mines", "emplacement", "laid_at",
		"anti_handling.present", "anti_handling.description", "remote", "remote.corners", "remote.total",
		"remote.self_destruct_period", "remote.delivered_by", "note", "classification", "restricted_to"}
	for i := range formRefPoints {
		pre := "reference_points[" + strconv.Itoa(i) + "]"
		f = append(f, pre+".point.lat", pre+".point.lon", pre+".point", pre+".description")
	}
	for i := range formMineTypes {
		pre := "mines[" + strconv.Itoa(i) + "]"
		f = append(f, pre+".category", pre+".model", pre+".count", pre+".fuse_type")
	}
	return f
}()

type minefieldFormData struct {
	Sides, Orgs, Categories, Emplacements, Classifications []Option
	Side                                                   string // a liaison's own side
	RefRows, MineRows                                      []moveRow
	Today                                                  string
	Max                                                    formLimits
	MaxCount                                               int64
}

// minefieldForm records a minefield; it leads to the record's page.
func (s *Pages) minefieldForm() *regForm {
	return &regForm{Title: "forms.minefield.title", Nav: "minefields", Template: "minefield_form", Path: "/minefields/new",
		Fields: minefieldFields, May: s.Mines.MayRecordMinefield,
		Start: func(_ *http.Request, p access.Principal) url.Values {
			v := mission()
			if side := p.Side(); side != "" {
				v.Set("laid_by", side)
			}
			return v
		},
		Data: func(r *http.Request, pg *web.Page, p access.Principal) (any, error) {
			sides, err := s.sideOptions(r.Context(), pg)
			if err != nil {
				return nil, err
			}
			d := minefieldFormData{Sides: sides, Side: p.Side(), Orgs: s.orgOptions(r.Context(), pg, p),
				Categories: translated(pg, "minecat.", mines.MineCategories()), Emplacements: translated(pg, "emplacement.", mines.Emplacements()),
				Classifications: classificationOptions(pg), Today: s.Now().In(pg.Location).Format(time.DateOnly),
				Max:      formLimits{Name: mines.MaxName, Model: mines.MaxModel, Description: mines.MaxDescription, Note: mines.MaxNote},
				MaxCount: mines.MaxMinesPerType}
			for i := range formRefPoints {
				d.RefRows = append(d.RefRows, moveRow{I: i, N: i + 1, Pre: "reference_points[" + strconv.Itoa(i) + "]"})
			}
			for i := range formMineTypes {
				d.MineRows = append(d.MineRows, moveRow{I: i, N: i + 1, Pre: "mines[" + strconv.Itoa(i) + "]"})
			}
			// The perimeter is drawn on a map.
			pg.JSKeys = append(pg.JSKeys, mapMessages...)
			pg.JSKeys = append(pg.JSKeys, "forms.draw.hint", "forms.draw.undo", "forms.draw.clear")
			return d, nil
		},
		Save: func(r *http.Request, pg *web.Page, p access.Principal, form *web.Form) (string, error) {
			in, err := minefieldInput(form, p)
			if err != nil {
				return "", err
			}
			m, err := s.Mines.CreateMinefield(r.Context(), p, in)
			if err != nil {
				return "", err
			}
			return doneAt("/minefields/"+url.PathEscape(m.ID), "forms.done.minefield"), nil
		},
	}
}

// minefieldInput reads the form; a number that is not one is refused here
// naming its field, everything else is the service's to judge.
func minefieldInput(form *web.Form, p access.Principal) (mines.MinefieldInput, error) {
	in := mines.MinefieldInput{Designation: formText(form, "designation"), LaidBy: form.V("laid_by"), District: formText(form, "district"),
		Emplacement: form.V("emplacement"), LaidAt: formText(form, "laid_at"), Note: formLongText(form, "note"),
		AntiHandling: mines.AntiHandling{Present: form.V("anti_handling.present") != "", Description: formLongText(form, "anti_handling.description")}}
	if side := p.Side(); side != "" {
		in.LaidBy = side
	}
	in.LabelInput = access.LabelInput{Classification: form.V("classification"), RestrictedTo: formList(form, "restricted_to")}
	for i := range formRefPoints {
		pre := "reference_points[" + strconv.Itoa(i) + "]"
		desc := formLongText(form, pre+".description")
		lat, err := formFloat(form, pre+".point.lat")
		if err != nil {
			return in, err
		}
		lon, err := formFloat(form, pre+".point.lon")
		if err != nil {
			return in, err
		}
		if lat == nil && lon == nil && desc == "" {
			continue
		}
		if lat == nil || lon == nil {
			return in, errs.Invalid(pre+".point", "give both latitude and longitude")
		}
		in.ReferencePoints = append(in.ReferencePoints, mines.ReferencePoint{Point: geo.Point{Lat: *lat, Lon: *lon}, Description: desc})
	}
	var err error
	if in.Perimeter, err = parseRing("perimeter", form.V("perimeter")); err != nil {
		return in, err
	}
	for i := range formMineTypes {
		pre := "mines[" + strconv.Itoa(i) + "]"
		m := mines.MineType{Category: form.V(pre + ".category"), Model: formText(form, pre+".model"), FuseType: formText(form, pre+".fuse_type")}
		count := formText(form, pre+".count")
		if m.Category == "" && m.Model == "" && m.FuseType == "" && count == "" {
			continue
		}
		if count != "" {
			if m.Count, err = strconv.ParseInt(count, 10, 64); err != nil {
				return in, errs.Invalid(pre+".count", "must be a whole number")
			}
		}
		in.Mines = append(in.Mines, m)
	}
	if in.Emplacement == "remotely_delivered" || formText(form, "remote.corners") != "" || formText(form, "remote.total") != "" {
		rd := &mines.RemoteDelivery{SelfDestructPeriod: formText(form, "remote.self_destruct_period"), DeliveredBy: formText(form, "remote.delivered_by")}
		corners, err := parseRing("remote.corners", form.V("remote.corners"))
		if err != nil {
			return in, err
		}
		if len(corners) > 1 {
			corners = corners[:len(corners)-1] // corners, not a closed ring
		}
		rd.Corners = corners
		if t := formText(form, "remote.total"); t != "" {
			if rd.Total, err = strconv.ParseInt(t, 10, 64); err != nil {
				return in, errs.Invalid("remote.total", "must be a whole number")
			}
		}
		in.Remote = rd
	}
	return in, nil
}

// Handovers.

var handoverFields = []string{"from_side", "to_side", "date", "mediators", "place", "exchange_id", "minefield_ids", "mines_claimed",
	"approximate", "districts", "note", "classification", "restricted_to"}

type handoverFormData struct {
	Sides, Orgs, Classifications []Option
	Side                         string
	Minefields, Exchanges        []Option
	MoreMinefields               bool
	Today                        string
	Max                          formLimits
	MaxClaimed                   int64
}

// maxFormChoices bounds the records a form lists to choose from.
const maxFormChoices = 500

// handoverForm records a handover of minefield records; it leads to the
// minefield's page when it hands over one, else to the handovers.
func (s *Pages) handoverForm() *regForm {
	return &regForm{Title: "forms.handover.title", Nav: "handovers", Template: "handover_form", Path: "/handovers/new",
		Fields: handoverFields, May: s.Mines.MayRecordHandover,
		Start: func(r *http.Request, p access.Principal) url.Values {
			v := mission()
			if side := p.Side(); side != "" {
				v.Set("from_side", side)
			}
			if id := r.URL.Query().Get("minefield"); id != "" {
				if m, err := s.Mines.GetMinefield(r.Context(), p, id); err == nil {
					v.Set("minefield_ids", m.ID)
					v.Set("from_side", m.LaidBy)
					v.Set("districts", m.District)
				}
			}
			if id := r.URL.Query().Get("exchange"); id != "" {
				v.Set("exchange_id", id)
			}
			return v
		},
		Data: func(r *http.Request, pg *web.Page, p access.Principal) (any, error) {
			sides, err := s.sideOptions(r.Context(), pg)
			if err != nil {
				return nil, err
			}
			d := handoverFormData{Sides: sides, Side: p.Side(), Orgs: s.orgOptions(r.Context(), pg, p), Classifications: classificationOptions(pg),
				Today: s.Now().In(pg.Location).Format(time.DateOnly),
				Max:   formLimits{Name: mines.MaxName, Description: mines.MaxDescription, Note: mines.MaxNote}, MaxClaimed: mines.MaxMinesClaimed}
			f := mines.MinefieldFilter{}
			if side := p.Side(); side != "" {
				f.LaidBy = side // a liaison hands over its own side's records
			}
			mfs, err := s.Mines.ListMinefields(r.Context(), p, f, store.PageRequest{Limit: maxFormChoices})
			if err != nil {
				return nil, err
			}
			for _, m := range mfs.Items {
				label := m.District + " · " + m.LaidAt.In(pg.Location).Format(time.DateOnly)
				if m.Designation != "" {
					label = m.Designation + " · " + label
				}
				d.Minefields = append(d.Minefields, Option{Value: m.ID, Label: label, Title: pg.Org(m.LaidBy)})
			}
			d.MoreMinefields = mfs.Next != ""
			if xs, err := s.Detainees.ListExchanges(r.Context(), p, detainee.ExchangeFilter{}, store.PageRequest{Limit: maxFormChoices}); err == nil {
				for _, x := range xs.Items {
					d.Exchanges = append(d.Exchanges, Option{Value: x.ID, Label: pg.T("forms.exchange.option", "date", x.At.In(pg.Location).Format(time.DateOnly), "n", x.Total)})
				}
			}
			return d, nil
		},
		Save: func(r *http.Request, pg *web.Page, p access.Principal, form *web.Form) (string, error) {
			in, err := handoverInput(form, p)
			if err != nil {
				return "", err
			}
			h, err := s.Mines.RecordHandover(r.Context(), p, in)
			if err != nil {
				return "", err
			}
			if len(h.MinefieldIDs) == 1 {
				return doneAt("/minefields/"+url.PathEscape(h.MinefieldIDs[0]), "forms.done.handover"), nil
			}
			return doneAt("/handovers", "forms.done.handover"), nil
		},
	}
}

func handoverInput(form *web.Form, p access.Principal) (mines.HandoverInput, error) {
	in := mines.HandoverInput{FromSide: form.V("from_side"), ToSide: form.V("to_side"), Date: formText(form, "date"),
		Mediators: formList(form, "mediators"), Place: formLongText(form, "place"), ExchangeID: form.V("exchange_id"),
		MinefieldIDs: formList(form, "minefield_ids"), Approximate: form.V("approximate") != "", Districts: formLines(form, "districts"),
		Note: formLongText(form, "note")}
	if side := p.Side(); side != "" {
		in.FromSide = side
	}
	in.LabelInput = access.LabelInput{Classification: form.V("classification"), RestrictedTo: formList(form, "restricted_to")}
	if v := formText(form, "mines_claimed"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return in, errs.Invalid("mines_claimed", "must be a whole number")
		}
		in.MinesClaimed = &n
	}
	return in, nil
}
