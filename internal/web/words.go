package web

import (
	"html/template"
	"regexp"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
)

// N translates a plural key for the count n ({n} in the message), e.g.
// {{$.N "review.decisions" .Count}}: "1 decision", "3 решения".
func (p *Page) N(key string, n any, args ...any) string {
	var v int64
	switch x := n.(type) {
	case int:
		v = int64(x)
	case int64:
		v = x
	case *int:
		if x != nil {
			v = int64(*x)
		}
	}
	if p.r == nil {
		return key
	}
	return p.r.Catalog.N(p.Lang, key, v, args...)
}

// TH translates key like T into HTML: the message and plain arguments are
// escaped, arguments of type template.HTML (such as .Time's) are put in
// as they are.
func (p *Page) TH(key string, args ...any) template.HTML {
	esc := make([]any, len(args))
	marks := map[string]template.HTML{}
	for i, a := range args {
		if i%2 == 1 {
			if h, ok := a.(template.HTML); ok {
				mark := "\x00" + string(rune('A'+len(marks))) + "\x00"
				marks[mark] = h
				esc[i] = mark
				continue
			}
		}
		esc[i] = a
	}
	out := template.HTMLEscapeString(p.T(key, esc...))
	for mark, h := range marks {
		out = strings.ReplaceAll(out, template.HTMLEscapeString(mark), string(h))
	}
	return template.HTML(out)
}

// Explain is an error's text for the reader: its reason translated with
// its parameters, or — for a reason the catalogue lacks — the English
// message on an English page and the kind of error in other languages.
func (p *Page) Explain(e *errs.Error) string {
	if e == nil {
		return ""
	}
	if e.Reason != "" && p.r != nil && p.r.Catalog.Has("err."+e.Reason) {
		args := make([]any, 0, 2*len(e.Params))
		for k, v := range e.Params {
			if f, ok := v.(float64); ok {
				v = FormatFloat(p.Lang, f, 2)
				if f == float64(int64(f)) {
					v = FormatInt(p.Lang, int64(f))
				}
			}
			args = append(args, k, v)
		}
		return p.T("err."+e.Reason, args...)
	}
	if p.Lang == Languages[0].Tag || p.r == nil {
		return e.Message
	}
	return p.T("err.code." + string(e.Code))
}

var indexes = regexp.MustCompile(`\[\d+\]`)

// FieldLabel is the label of a field named by its JSON path, from the
// catalogue's "label.<path>" (indexes dropped), else the same for the path
// without its first parts ("location.point.lat" → "label.lat"); "" when
// the catalogue has none.
func (p *Page) FieldLabel(field string) string {
	if p.r == nil || field == "" {
		return ""
	}
	path := indexes.ReplaceAllString(field, "")
	for {
		if p.r.Catalog.Has("label." + path) {
			return p.T("label." + path)
		}
		i := strings.IndexByte(path, '.')
		if i < 0 {
			break
		}
		path = path[i+1:]
	}
	return ""
}

// FormErrors puts every error err carries into the form, translated, next
// to its field (Form.E), and a summary at the top of the page naming each
// field by its label, never by its path. An error naming no field is
// shown at the top alone.
func (p *Page) FormErrors(form *Form, err error) {
	all := errs.All(err)
	if len(all) == 0 {
		if err != nil {
			p.Error = p.T("error.internal.text")
		}
		return
	}
	var parts []string
	fields := 0
	for _, e := range all {
		msg := p.Explain(e)
		if e.Field == "" || form == nil {
			parts = append(parts, msg)
			continue
		}
		if form.Errors == nil {
			form.Errors = map[string]string{}
		}
		if _, dup := form.Errors[e.Field]; !dup {
			form.Errors[e.Field] = msg
		}
		fields++
		if l := p.FieldLabel(e.Field); l != "" {
			parts = append(parts, l+": "+msg)
		} else {
			parts = append(parts, msg)
		}
	}
	if fields > 0 {
		p.Error = p.N("form.errors", fields) + " " + strings.Join(parts, "; ")
	} else {
		p.Error = strings.Join(parts, "; ")
	}
}

// UserName is a user's name as the reader may know it (see
// Namer.UserName), {{$.UserName .Actor}}; .User is the reader.
func (p *Page) UserName(id string) string {
	if id == "" {
		return ""
	}
	if p.Names != nil {
		if n := p.Names.UserName(id); n != "" {
			return n
		}
	}
	return p.T("user.someone")
}

// Actor names who made a change in the log: a user as UserName gives
// them, anything else (the server, the demo's loader, an operator's
// command) as the system.
func (p *Page) Actor(id string) string {
	if strings.HasPrefix(id, "usr_") {
		return p.UserName(id)
	}
	return p.T("actor.system")
}

// Provision is a provision's number and summary, "§6 — Lachin corridor…",
// as the reader may read it.
func (p *Page) Provision(id string) string {
	if id == "" {
		return ""
	}
	if p.Names != nil {
		if num, title := p.Names.ProvisionName(id); num != "" {
			if title == "" {
				return p.T("provision.number", "n", num)
			}
			return p.T("provision.number", "n", num) + " — " + title
		}
	}
	return p.T("provision.unknown")
}

// CopyID is a small control that copies a record's id (copyid.js): the id
// sits in a data attribute, never in the page's text.
func (p *Page) CopyID(id string) template.HTML {
	if id == "" {
		return ""
	}
	return template.HTML(`<button type="button" class="copy-id" data-copy-id="` + template.HTMLEscapeString(id) + `" data-copied="` +
		template.HTMLEscapeString(p.T("copyid.copied")) + `">` + template.HTMLEscapeString(p.T("copyid.button")) + `</button>`)
}
