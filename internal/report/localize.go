package report

import (
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/incident"
)

// localize writes the words of a generated report in lang: its title,
// periods, notes and every label the data carries. Codes, ids and numbers
// are left as they are.
func localize(rep *Report, lang string) {
	t := newTr(lang, false)
	rep.Lang = t.lang
	loc, err := time.LoadLocation(rep.Period.Zone)
	if err != nil {
		loc = time.UTC
	}
	switch rep.Kind {
	case KindDaily:
		rep.Title = t.T("title.daily", "date", t.date(rep.Period.To.In(loc)))
	case KindSummary:
		rep.Title = t.T("title.summary", "from", t.date(rep.Period.From.In(loc).AddDate(0, 0, 1)), "to", t.date(rep.Period.To.In(loc)))
	case KindImplementation:
		if im := rep.Implementation; im != nil {
			rep.Title = t.T("title.implementation", "title", im.Title)
		}
	}
	periodLabel := func(p *Period) {
		if p == nil {
			return
		}
		l := time.UTC
		if z, err := time.LoadLocation(p.Zone); err == nil {
			l = z
		}
		p.Label = t.T("period", "from", t.local(p.From.In(l)), "to", t.local(p.To.In(l)), "zone", p.Zone,
			"offset", t.digits(p.To.In(l).Format("-07:00")))
	}
	if rep.Kind == KindImplementation && rep.Implementation != nil {
		rep.Period.Label = t.T("period.implementation", "from", t.when(rep.Implementation.InForceAt),
			"to", t.local(rep.Period.To.In(loc)), "zone", rep.Period.Zone)
	} else {
		periodLabel(&rep.Period)
	}
	periodLabel(rep.Previous)
	if rep.Edition == EditionPublic {
		rep.EditionNote = t.T("edition.public")
	} else {
		rep.EditionNote = t.T("edition.mission")
	}
	if rep.Empty {
		if rep.Kind == KindImplementation {
			rep.EmptyNote = t.T("empty.implementation")
		} else {
			rep.EmptyNote = t.T("empty")
		}
	}
	for i, o := range rep.Sides {
		if n := o.Names[t.lang]; n != "" {
			rep.Sides[i].Name = n
		}
	}
	for i, o := range rep.VerifiedColumns {
		switch o.ID {
		case incident.AttributionBoth, incident.AttributionUndetermined:
			rep.VerifiedColumns[i].Name = t.enum("attribution", o.ID)
		default:
			if n := o.Names[t.lang]; n != "" {
				rep.VerifiedColumns[i].Name = n
			}
		}
	}
	// Organisations the sections hold by name, named in the language.
	org := func(name string) string {
		if n := rep.orgNames[name][t.lang]; n != "" {
			return n
		}
		return name
	}
	orgs := func(list string) string {
		if list == "" {
			return ""
		}
		parts := strings.Split(list, ", ")
		for i, p := range parts {
			parts[i] = org(p)
		}
		return strings.Join(parts, t.T("list.comma"))
	}
	if h := rep.Humanitarian; h != nil {
		for i := range h.Exchanges {
			e := &h.Exchanges[i]
			e.Mediator = orgs(e.Mediator)
			to := make(map[string]int, len(e.ToSide))
			for k, v := range e.ToSide {
				to[org(k)] += v
			}
			e.ToSide = to
		}
		for i := range h.Releases {
			h.Releases[i].HeldBy = org(h.Releases[i].HeldBy)
		}
		for i := range h.Handovers {
			r := &h.Handovers[i]
			r.From, r.To, r.Mediator = org(r.From), org(r.To), orgs(r.Mediator)
		}
	}
	if m := rep.Movement; m != nil {
		for i := range m.Restrictions {
			m.Restrictions[i].By = org(m.Restrictions[i].By)
		}
	}
	if im := rep.Implementation; im != nil {
		for i := range im.Provisions {
			for j, o := range im.Provisions[i].Obligated {
				im.Provisions[i].Obligated[j] = org(o)
			}
		}
	}
	sideName := map[string]string{}
	for _, o := range rep.Sides {
		sideName[o.ID] = o.Name
	}
	for i, c := range rep.Summary {
		if side, ok := strings.CutPrefix(c.Key, "alleged_by:"); ok {
			rep.Summary[i].Label = t.T("count.alleged_by", "side", sideName[side])
		} else {
			rep.Summary[i].Label = t.T("count." + c.Key)
		}
	}
	if v := rep.Violations; v != nil {
		v.Total.Label = t.T("tally.total")
		v.Previous.Label = t.T("tally.previous")
		for i := range v.ByCategory {
			v.ByCategory[i].Label = t.enum("category", v.ByCategory[i].Key)
		}
		for i, z := range v.ByZone {
			switch z.Key {
			case "":
				v.ByZone[i].Label = t.T("zone.outside")
			case NotShown:
				v.ByZone[i].Label = t.T("zone.not_shown")
			}
		}
	}
	if m := rep.Movement; m != nil {
		for i, c := range m.ByKind {
			m.ByKind[i].Label = t.enum("fom", c.Key)
		}
	}
	if h := rep.Humanitarian; h != nil && !h.Available {
		h.Note = t.T("humanitarian.none")
	}
	if im := rep.Implementation; im != nil {
		for i := range im.Provisions {
			im.Provisions[i].Remains = remains(t, im.Provisions[i])
		}
	}
	if mp := rep.Map; mp != nil {
		for i, l := range mp.Layers {
			if n := l.Names[t.lang]; n != "" {
				mp.Layers[i].Name = n
			}
		}
		for i, p := range mp.Points {
			if p.Class == "observation" {
				mp.Points[i].Label = t.T("map.observation", "count", t.num(p.Count), "kind", t.enum("obskind", p.Kind))
			}
		}
	}
}
