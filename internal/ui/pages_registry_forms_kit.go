package ui

import (
	"net/http"
	"net/url"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/web"
)

// The registry forms' kit: a registry form is its specifics (regForm) and
// the kit does what every one of them does alike — the reader's check,
// the service's May* answer, the form's idempotency key, the save through
// s.submit, the service's errors next to their fields and the form shown
// again with them.

// regForm is one registry form's specifics.
type regForm struct {
	Title, Nav, Template string // the title's message key, the menu entry, the template
	Path                 string // the form's own address
	Fields               []string
	// May is the service's answer to whether p may use the form.
	May func(p access.Principal) error
	// Start is a new form's values; nil for an empty form.
	Start func(r *http.Request, p access.Principal) url.Values
	// Data is what the template shows besides the form.
	Data func(r *http.Request, pg *web.Page, p access.Principal) (any, error)
	// Save reads the form, calls the service and says where the browser
	// goes next with which confirmation (doneAt).
	Save func(r *http.Request, pg *web.Page, p access.Principal, form *web.Form) (string, error)
}

// regFormPage answers GET: the empty form.
func (s *Pages) regFormPage(f *regForm) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg, p, ok := s.reader(w, r, f.Title, f.Nav)
		if !ok {
			return
		}
		var start url.Values
		if f.Start != nil {
			start = f.Start(r, p)
		}
		s.regFormShow(w, r, pg, p, f, newForm(start), http.StatusOK)
	}
}

// regFormSave answers POST: saved, the browser goes on; refused, the form
// again with every error next to its field.
func (s *Pages) regFormSave(f *regForm) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg, p, ok := s.writer(w, r, f.Title, f.Nav, f.Path)
		if !ok {
			return
		}
		form := &web.Form{Values: r.PostForm}
		done, err := s.submit(w, r, p, form, func() (string, error) { return f.Save(r, pg, p, form) })
		if done {
			return
		}
		if !formProblem(err) {
			s.pageFail(w, r, pg, err)
			return
		}
		showErrors(pg, form, err, f.Fields)
		s.regFormShow(w, r, pg, p, f, form, formStatus(err))
	}
}

func (s *Pages) regFormShow(w http.ResponseWriter, r *http.Request, pg *web.Page, p access.Principal, f *regForm, form *web.Form, status int) {
	pg.Title, pg.Nav = f.Title, f.Nav
	if err := f.May(p); err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	if form.Key == "" {
		form.Key = newFormKey()
	}
	d, err := f.Data(r, pg, p)
	if err != nil {
		s.pageFail(w, r, pg, err)
		return
	}
	pg.Form, pg.Data = form, d
	s.render.Render(w, status, f.Template, pg)
}

// mission is the label a registry form starts with.
func mission() url.Values {
	return url.Values{"classification": {string(access.Mission)}}
}
