package incident

import (
	"context"
	"fmt"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Kinds of source an allegation comes from.
const (
	SourceSide       = "side"        // a party to the conflict, through its liaison
	SourcePublic     = "public"      // a member of the public, a community
	SourceThirdParty = "third_party" // an NGO, an agency
	SourceMedia      = "media"       // a media outlet
	SourceMission    = "mission"     // the mission itself
)

var sourceKinds = []string{SourceSide, SourcePublic, SourceThirdParty, SourceMedia, SourceMission}

// Allegation statuses. An allegation is never edited into agreement by
// the mission; its lodger may withdraw it, and it stays visible as such.
const (
	StatusLodged    = "lodged"
	StatusWithdrawn = "withdrawn"
)

// Unknown is the alleged perpetrator when the source does not say.
const Unknown = "unknown"

// MaxNarrative is the longest narrative, in characters.
const MaxNarrative = 20_000

// AllegationInput is an allegation as a client sends it.
type AllegationInput struct {
	SourceKind         string           `json:"source_kind" doc:"side, public, third_party, media or mission"`
	LodgedBy           string           `json:"lodged_by,omitempty" doc:"organisation id: the side (defaults to on_behalf_of), the outlet, the third party; optional for public; defaults to the user's organisation for mission"`
	OnBehalfOf         string           `json:"on_behalf_of,omitempty" doc:"source side: the side in whose name; a liaison's own side by default"`
	AllegedPerpetrator string           `json:"alleged_perpetrator" doc:"organisation id of a side, or unknown"`
	Category           string           `json:"category"`
	Location           LocationInput    `json:"location"`
	Time               TimeInput        `json:"time"`
	Casualties         *CasualtiesInput `json:"casualties,omitempty"`
	Narrative          string           `json:"narrative"`
	Reliability        string           `json:"reliability,omitempty" doc:"A–F; F when absent"`
	Credibility        int              `json:"credibility,omitempty" doc:"1–6; 6 when absent"`
	Attachments        []Attachment     `json:"attachments,omitempty"`
	ReportedAt         string           `json:"reported_at,omitempty" doc:"RFC 3339; when the source made the claim, if earlier than it is lodged; not in the future"`
	access.LabelInput
}

// Withdrawal records who withdrew an allegation, when and why.
type Withdrawal struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

// AllegationBody is an allegation as the change log holds it.
type AllegationBody struct {
	SourceKind         string       `json:"source_kind"`
	LodgedBy           string       `json:"lodged_by,omitempty"`
	OnBehalfOf         string       `json:"on_behalf_of,omitempty"`
	AllegedPerpetrator string       `json:"alleged_perpetrator"`
	Category           string       `json:"category"`
	Location           Location     `json:"location"`
	Time               TimeSpan     `json:"time"`
	Casualties         Casualties   `json:"casualties"`
	Narrative          string       `json:"narrative"`
	Grading            Grading      `json:"grading"`
	Attachments        []Attachment `json:"attachments,omitempty"`
	Status             string       `json:"status"`
	Withdrawal         *Withdrawal  `json:"withdrawal,omitempty"`
	LodgedAt           time.Time    `json:"lodged_at"`
	// ClaimedAt is when the source made the claim, when it says so and
	// it was earlier than the lodging (a claim by telephone typed in the
	// next day).
	ClaimedAt *time.Time `json:"reported_at,omitempty"`
	// Geography is where the point lies, computed on write from the public
	// and mission layers in force at the reported time.
	Geography geo.Location `json:"geography"`
	// Imported is the file the allegation was imported from, and its id
	// there; nil for one lodged through a form or the API.
	Imported *Imported `json:"imported,omitempty"`
	access.Label
}

// Allegation is an allegation with its id, version and the incident it is
// linked to ("" when none; kept by the incident, not in the body).
type Allegation struct {
	ID         string `json:"id"`
	Version    int64  `json:"version"`
	IncidentID string `json:"incident_id,omitempty"`
	AllegationBody
}

// Resource is the policy's view of the allegation.
func (a AllegationBody) Resource() access.Resource {
	r := kindAllegation.Of(a.Label)
	r.OnBehalfOf = a.OnBehalfOf
	return r
}

// DecodeAllegationInput decodes a client's JSON strictly: one object, no
// unknown members.
func DecodeAllegationInput(data []byte) (AllegationInput, error) {
	var in AllegationInput
	return in, decodeStrict(data, &in)
}

// Validate checks everything about in that needs no database: the
// references (organisations, the place) are checked on write.
func (in AllegationInput) Validate(now time.Time) error {
	_, err := in.body(now, "")
	return err
}

// body checks the input and returns the body lodged by owner, without
// geography and lodging time.
func (in AllegationInput) body(now time.Time, owner string) (AllegationBody, error) {
	b := AllegationBody{SourceKind: in.SourceKind, LodgedBy: in.LodgedBy, OnBehalfOf: in.OnBehalfOf,
		AllegedPerpetrator: in.AllegedPerpetrator, Category: in.Category, Status: StatusLodged}
	// Every field is checked, and every failure reported at once.
	var c errs.Collector
	c.Add(oneOf("source_kind", in.SourceKind, sourceKinds))
	for _, f := range [][2]string{{"lodged_by", in.LodgedBy}, {"on_behalf_of", in.OnBehalfOf}} {
		if f[1] != "" {
			c.Add(checkID(f[0], f[1]))
		}
	}
	switch in.SourceKind {
	case SourceSide:
		if in.OnBehalfOf == "" {
			c.Add(errs.Because(errs.Invalid("on_behalf_of", "an allegation from a side names the side"), errs.ReasonRequired))
		} else if in.LodgedBy == "" {
			b.LodgedBy = in.OnBehalfOf
		} else if in.LodgedBy != in.OnBehalfOf {
			c.Add(errs.Invalid("lodged_by", "a side lodges in its own name: must be on_behalf_of"))
		}
	case SourceMedia, SourceThirdParty:
		if in.LodgedBy == "" {
			c.Add(errs.Because(errs.Invalid("lodged_by", "a %s source names its organisation", in.SourceKind), errs.ReasonRequired))
		}
	case SourceMission:
		if in.LodgedBy == "" {
			b.LodgedBy = owner
		}
	}
	if in.SourceKind != SourceSide && in.OnBehalfOf != "" && !c.Has("source_kind") {
		c.Add(errs.Invalid("on_behalf_of", "only a side's allegation is made in a side's name"))
	}
	if in.AllegedPerpetrator == "" {
		c.Add(errs.Because(errs.Invalid("alleged_perpetrator", "is required: a side's organisation id, or unknown"), errs.ReasonRequired))
	} else if in.AllegedPerpetrator != Unknown {
		if !c.Add(checkID("alleged_perpetrator", in.AllegedPerpetrator)) && in.AllegedPerpetrator == in.OnBehalfOf {
			c.Add(errs.Invalid("alleged_perpetrator", "a side does not allege against itself"))
		}
	}
	c.Add(oneOf("category", in.Category, categoryCodes()))
	var err error
	if b.Location, err = in.Location.location("location"); err != nil {
		c.Add(err)
	}
	if b.Time, err = in.Time.span("time", now); err != nil {
		c.Add(err)
	}
	if b.Casualties, err = in.Casualties.casualties("casualties"); err != nil {
		c.Add(err)
	}
	if in.Narrative == "" {
		c.Add(errs.Required("narrative"))
	} else {
		c.Add(text.CheckText("narrative", in.Narrative, MaxNarrative))
	}
	b.Narrative = in.Narrative
	if b.Grading, err = grading("", in.Reliability, in.Credibility); err != nil {
		c.Add(err)
	}
	if b.Attachments, err = attachments("attachments", in.Attachments); err != nil {
		c.Add(err)
	}
	if b.Label, err = in.LabelInput.Label(access.Mission, owner); err != nil {
		c.Add(err)
	}
	if claimed, err := eventTime("reported_at", in.ReportedAt, now); err != nil {
		c.Add(err)
	} else if !claimed.IsZero() {
		b.ClaimedAt = &claimed
	}
	return b, c.Err()
}

// checkRefs checks the allegation's references inside the transaction.
func (b *AllegationBody) checkRefs(tx *store.Tx) error {
	if b.OnBehalfOf != "" {
		if err := checkSide(tx, "on_behalf_of", b.OnBehalfOf); err != nil {
			return err
		}
	}
	if b.LodgedBy != "" {
		kind, err := orgKind(tx, "lodged_by", b.LodgedBy)
		if err != nil {
			return err
		}
		if b.SourceKind == SourceMedia && kind != "media" {
			return errs.Invalid("lodged_by", "%s is a %s, not a media outlet", b.LodgedBy, kind)
		}
	}
	if b.AllegedPerpetrator != Unknown {
		if err := checkSide(tx, "alleged_perpetrator", b.AllegedPerpetrator); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		f string
		t Toll
	}{{"casualties.killed", b.Casualties.Killed}, {"casualties.injured", b.Casualties.Injured}} {
		for i, m := range t.t.Military {
			if err := checkSide(tx, fmt.Sprintf("%s.military[%d].side", t.f, i), m.Side); err != nil {
				return err
			}
		}
	}
	return checkReaders(tx, b.Label)
}

// prepare checks the input for principal p, fills the point from the
// gazetteer when only a place is given and computes the geography.
func (s *Service) prepareAllegation(ctx context.Context, p access.Principal, in AllegationInput, owner string) (AllegationBody, error) {
	if side := p.Side(); side != "" {
		// A liaison speaks for its own side only, and only as that side.
		if in.SourceKind == "" {
			in.SourceKind = SourceSide
		}
		if in.OnBehalfOf == "" && in.SourceKind == SourceSide {
			in.OnBehalfOf = side
		}
		if in.SourceKind != SourceSide {
			return AllegationBody{}, &errs.Error{Code: errs.CodeForbidden, Field: "source_kind", Message: "a liaison lodges allegations only in its own side's name"}
		}
		if in.OnBehalfOf != side {
			return AllegationBody{}, &errs.Error{Code: errs.CodeForbidden, Field: "on_behalf_of", Message: "a liaison lodges allegations only in its own side's name"}
		}
	}
	b, err := in.body(s.now(), owner)
	if err != nil {
		return b, err
	}
	if err := s.resolvePlace(ctx, p, b.Label, &b.Location, "location"); err != nil {
		return b, err
	}
	if b.Geography, err = s.geo.LocateFor(ctx, locator, b.Location.Point, b.Time.Start); err != nil {
		return b, err
	}
	return b, nil
}

// resolvePlace checks the place a location of a record labelled label
// names — p may read it, and so may every reader of the record, which
// would otherwise learn where it is — and, when the location has no point,
// takes the place's.
func (s *Service) resolvePlace(ctx context.Context, p access.Principal, label access.Label, l *Location, field string) error {
	if l.PlaceID == "" {
		return nil
	}
	pl, err := s.geo.GetPlace(ctx, p, l.PlaceID)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return errs.Invalid(field+".place_id", "no place %s", l.PlaceID)
	}
	if err != nil {
		return err
	}
	if !access.Covers(pl.Label, label) {
		return errs.Invalid(field+".place_id", "place %s is %s: a record naming it must be restricted to the place's readers or fewer", l.PlaceID, pl.Classification)
	}
	if l.Point == (geo.Point{}) && l.Precision == PrecisionNearPlace {
		l.Point = pl.Location
	}
	return nil
}

// LodgeAllegation records a new allegation lodged by p's organisation.
func (s *Service) LodgeAllegation(ctx context.Context, p access.Principal, in AllegationInput) (Allegation, error) {
	b, err := s.prepareAllegation(ctx, p, in, p.Org)
	if err != nil {
		return Allegation{}, wrap("lodge allegation", err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Allegation{}, wrap("lodge allegation", err)
	}
	id := s.db.NewID(allegationPrefix)
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := b.checkRefs(tx); err != nil {
			return err
		}
		b.LodgedAt = tx.Now()
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityAllegation, ID: id, Version: 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Allegation{}, wrap("lodge allegation", err)
	}
	return Allegation{ID: id, Version: rec.Version, AllegationBody: b}, nil
}

// UpdateAllegation replaces an allegation that p's organisation lodged and
// has not withdrawn; version is the version p last read.
func (s *Service) UpdateAllegation(ctx context.Context, p access.Principal, id string, version int64, in AllegationInput) (Allegation, error) {
	cur, err := s.GetAllegation(ctx, p, id)
	if err != nil {
		return Allegation{}, wrap("update allegation", err)
	}
	if err := ownerMay(p, access.Update, cur.AllegationBody); err != nil {
		return Allegation{}, wrap("update allegation", err)
	}
	b, err := s.prepareAllegation(ctx, p, in, cur.OwnerOrg)
	if err != nil {
		return Allegation{}, wrap("update allegation", err)
	}
	if err := access.Decide(p, access.Update, b.Resource()); err != nil {
		return Allegation{}, wrap("update allegation", err)
	}
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		var old AllegationBody
		have, err := tx.Current(EntityAllegation, id, &old)
		if err != nil {
			return err
		}
		if err := store.CheckVersion(EntityAllegation, id, version, have); err != nil {
			return err
		}
		if old.Status != StatusLodged {
			return errs.Conflict("status", "allegation %s is %s", id, old.Status)
		}
		if err := b.checkRefs(tx); err != nil {
			return err
		}
		b.LodgedAt = old.LodgedAt
		b.Imported = old.Imported // still the record that file brought in
		rec, err = tx.Record(store.Change{Entity: EntityAllegation, ID: id, Version: version + 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Allegation{}, wrap("update allegation", err)
	}
	return Allegation{ID: id, Version: rec.Version, IncidentID: cur.IncidentID, AllegationBody: b}, nil
}

// ownerMay checks that p may change an allegation: the policy, and beyond
// it that only the lodging organisation changes its own allegation (the
// mission never edits a side's claim; it links it to an incident).
func ownerMay(p access.Principal, action access.Action, b AllegationBody) error {
	if err := access.Decide(p, action, b.Resource()); err != nil {
		return err
	}
	if b.OwnerOrg != p.Org {
		return errs.Forbidden("only the organisation that lodged an allegation may change it")
	}
	return nil
}

// MayEditAllegation reports whether p may change a (attach files to it):
// only the organisation that lodged it, with a role that writes
// allegations.
func MayEditAllegation(p access.Principal, a Allegation) bool {
	return ownerMay(p, access.Update, a.AllegationBody) == nil
}

// WithdrawAllegation withdraws an allegation p's organisation lodged. The
// allegation stays, marked withdrawn with the reason.
func (s *Service) WithdrawAllegation(ctx context.Context, p access.Principal, id string, version int64, reason string) (Allegation, error) {
	cur, err := s.GetAllegation(ctx, p, id)
	if err != nil {
		return Allegation{}, wrap("withdraw allegation", err)
	}
	if err := ownerMay(p, access.Withdraw, cur.AllegationBody); err != nil {
		return Allegation{}, wrap("withdraw allegation", err)
	}
	if err := text.CheckText("reason", reason, 2000); err != nil {
		return Allegation{}, wrap("withdraw allegation", err)
	}
	var b AllegationBody
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		have, err := tx.Current(EntityAllegation, id, &b)
		if err != nil {
			return err
		}
		if err := store.CheckVersion(EntityAllegation, id, version, have); err != nil {
			return err
		}
		if b.Status != StatusLodged {
			return errs.Conflict("status", "allegation %s is already %s", id, b.Status)
		}
		b.Status = StatusWithdrawn
		b.Withdrawal = &Withdrawal{At: tx.Now(), By: p.UserID, Reason: reason}
		rec, err = tx.Record(store.Change{Entity: EntityAllegation, ID: id, Version: version + 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Allegation{}, wrap("withdraw allegation", err)
	}
	return Allegation{ID: id, Version: rec.Version, IncidentID: cur.IncidentID, AllegationBody: b}, nil
}

// GetAllegation returns an allegation p may read; one p may not read is
// not found.
func (s *Service) GetAllegation(ctx context.Context, p access.Principal, id string) (Allegation, error) {
	a := Allegation{ID: id}
	v, err := s.db.Current(ctx, EntityAllegation, id, &a.AllegationBody)
	if err != nil {
		return Allegation{}, err
	}
	if err := access.Decide(p, access.Read, a.Resource()); err != nil {
		return Allegation{}, err
	}
	a.Version = v
	if a.IncidentID, err = s.incidentOf(ctx, id); err != nil {
		return Allegation{}, err
	}
	return a, nil
}

func (s *Service) incidentOf(ctx context.Context, memberID string) (string, error) {
	var inc string
	err := s.db.QueryRow(ctx, `SELECT incident_id FROM incident_members WHERE member_id = ? ORDER BY incident_id LIMIT 1`, memberID).Scan(&inc)
	if store.IsNoRows(err) {
		return "", nil
	}
	return inc, err
}

// AllegationFilter narrows ListAllegations; zero fields do not filter.
type AllegationFilter struct {
	Window                // on the reported start time
	BBox        *geo.BBox // on the reported point
	Category    string    //
	Status      string    // lodged or withdrawn
	SourceKind  string    //
	OnBehalfOf  string    // a side
	Perpetrator string    // a side or unknown
	Zone        string    // the first zone the point lies in
	Near                  // near a place
	IncidentID  string    // members of one incident
	Unlinked    bool      // only allegations in no incident
}

// ListAllegations returns a page of the allegations p may read, newest
// reported time first.
func (s *Service) ListAllegations(ctx context.Context, p access.Principal, f AllegationFilter, page store.PageRequest) (store.Page[Allegation], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Allegation]{}, wrap("list allegations", err)
	}
	conds, args, err := f.conds(ctx, s, p)
	if err != nil {
		return store.Page[Allegation]{}, wrap("list allegations", err)
	}
	if len(keys) == 2 {
		conds = append(conds, "(r.start_at, r.id) < (?, ?)")
		args = append(args, keys[0], keys[1])
	} else if len(keys) != 0 {
		return store.Page[Allegation]{}, wrap("list allegations", errs.Invalid("cursor", "is not a cursor this server issued"))
	}
	q := pageSQL(s.db.Dialect(), "allegations", EntityAllegation, `, (SELECT MIN(im.incident_id) FROM incident_members im WHERE im.member_id = r.id)`, conds)
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return store.Page[Allegation]{}, wrap("list allegations", err)
	}
	defer rows.Close()
	type item struct {
		a     Allegation
		start string
	}
	var items []item
	for rows.Next() {
		var it item
		var body []byte
		var inc *string
		if err := rows.Scan(&it.a.ID, &it.a.Version, &body, &it.start, &inc); err != nil {
			return store.Page[Allegation]{}, wrap("list allegations", err)
		}
		if err := store.DecodeBody(body, &it.a.AllegationBody); err != nil {
			return store.Page[Allegation]{}, wrap("list allegations", fmt.Errorf("%s: %w", it.a.ID, err))
		}
		if inc != nil {
			it.a.IncidentID = *inc
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return store.Page[Allegation]{}, wrap("list allegations", err)
	}
	pg := store.Paginate(items, limit, func(it item) []string { return []string{it.start, it.a.ID} })
	out := store.Page[Allegation]{Items: make([]Allegation, len(pg.Items)), Next: pg.Next}
	for i, it := range pg.Items {
		out.Items[i] = it.a
	}
	return out, nil
}

func joinAnd(conds []string) string {
	out := ""
	for i, c := range conds {
		if i > 0 {
			out += " AND "
		}
		out += c
	}
	return out
}

func allegationRows(id string, b *AllegationBody) (map[string][][]any, error) {
	end := ""
	if b.Time.End != nil {
		end = b.Time.End.UTC().Format(timeText)
	}
	return map[string][][]any{
		"allegations": {{id, b.SourceKind, b.LodgedBy, b.OnBehalfOf, b.AllegedPerpetrator, b.Category, b.Status,
			b.Location.Point.Lat, b.Location.Point.Lon, b.Location.RadiusM, b.Location.Precision,
			b.Time.Start.UTC().Format(timeText), end, dayOf(b.Time.Start), weekOf(b.Time.Start),
			firstZone(b.Geography), b.Geography.OutsideLayers, string(b.Classification), b.OwnerOrg}},
		"allegation_readers":      b.ReaderRows(id),
		"allegation_external_ids": b.Imported.rows(id, b.OwnerOrg),
	}, nil
}
