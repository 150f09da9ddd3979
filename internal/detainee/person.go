package detainee

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/text"
)

// Categories of person held.
var Categories = []string{"prisoner_of_war", "civilian_detainee", "hostage"}

// Event kinds, in the order a person's record usually meets them.
var EventKinds = []string{"captured", "registered", "visited", "consent_confirmed", "transferred", "hospitalised", "discharged",
	"released", "repatriated", "escaped", "deceased"}

// Statuses a person can be in; the current one is derived from the events.
var Statuses = []string{StatusHeld, StatusHospitalised, StatusReleased, StatusRepatriated, StatusEscaped, StatusDeceased}

const (
	StatusHeld         = "held"
	StatusHospitalised = "hospitalised"
	StatusReleased     = "released"
	StatusRepatriated  = "repatriated"
	StatusEscaped      = "escaped"
	StatusDeceased     = "deceased"
)

// maxEvents bounds one person's history: every event is a new version of
// the record carrying the whole list.
const maxEvents = 1000

// Identity is what Geneva Convention III Art. 17 and Art. 122 ask the
// detaining power to record. It is personal data: only humanitarian
// officers, the detaining side and the side of nationality read it, and an
// erasure removes it from every version.
type Identity struct {
	Surname               string `json:"surname"`
	FirstNames            string `json:"first_names"`
	Rank                  string `json:"rank,omitempty"`
	DateOfBirth           string `json:"date_of_birth,omitempty" doc:"YYYY-MM-DD"`
	PlaceOfBirth          string `json:"place_of_birth,omitempty"`
	ServiceNumber         string `json:"service_number,omitempty" doc:"army, regimental, personal or serial number"`
	FatherFirstName       string `json:"father_first_name,omitempty"`
	MotherMaidenName      string `json:"mother_maiden_name,omitempty"`
	PersonToInform        string `json:"person_to_inform,omitempty"`
	PersonToInformAddress string `json:"person_to_inform_address,omitempty"`
	CorrespondenceAddress string `json:"correspondence_address,omitempty"`
}

// Death is the Art. 120 death record.
type Death struct {
	Date        string `json:"date" doc:"YYYY-MM-DD; required"`
	Place       string `json:"place,omitempty"`
	Cause       string `json:"cause,omitempty"`
	BurialPlace string `json:"burial_place,omitempty"`
	Grave       string `json:"grave,omitempty" doc:"grave identification"`
}

// EventInput is a status event as a client sends it.
type EventInput struct {
	Kind    string     `json:"kind" doc:"captured, registered, visited, consent_confirmed, transferred, hospitalised, discharged, released, repatriated, escaped or deceased"`
	At      string     `json:"at,omitempty" doc:"RFC 3339; for deceased, the death date is used when absent"`
	By      string     `json:"by,omitempty" doc:"visited: the visiting organisation's id (what was said stays out of the record)"`
	ToSide  string     `json:"to_side,omitempty" doc:"captured: the capturing side; transferred: the side now holding"`
	Place   *geo.Point `json:"place,omitempty"`
	PlaceID string     `json:"place_id,omitempty"`
	Death   *Death     `json:"death,omitempty" doc:"deceased: the Art. 120 record; its date is required"`
}

// Event is a status event as the record holds it.
type Event struct {
	Kind        string     `json:"kind"`
	At          time.Time  `json:"at"`
	By          string     `json:"by,omitempty"`
	ToSide      string     `json:"to_side,omitempty"`
	Place       *geo.Point `json:"place,omitempty"`
	PlaceID     string     `json:"place_id,omitempty"`
	Death       *Death     `json:"death,omitempty"`
	ExchangeID  string     `json:"exchange_id,omitempty"`
	RecordedBy  string     `json:"recorded_by"`
	RecordedOrg string     `json:"recorded_org,omitempty"`
}

// PersonInput is a person held as a client sends it.
type PersonInput struct {
	Identity       Identity     `json:"identity"`
	Category       string       `json:"category" doc:"prisoner_of_war, civilian_detainee or hostage"`
	HeldBy         string       `json:"held_by" doc:"the detaining side's organisation id"`
	Nationality    string       `json:"nationality" doc:"the side on which the person depends (organisation id)"`
	CapturedAt     string       `json:"captured_at" doc:"RFC 3339"`
	CapturePlace   *geo.Point   `json:"capture_place,omitempty"`
	CapturePlaceID string       `json:"capture_place_id,omitempty"`
	AgreementID    string       `json:"agreement_id,omitempty" doc:"the agreement whose entry into force the capture is compared with; default: the earliest agreement both sides are parties to"`
	Events         []EventInput `json:"events,omitempty" doc:"the history after capture, as reported; each event must follow from the one before"`
	Illustrative   bool         `json:"illustrative,omitempty"`
}

// Period is a stretch of time with one status and one detaining side.
type Period struct {
	Status string     `json:"status"`
	HeldBy string     `json:"held_by"`
	From   time.Time  `json:"from"`
	To     *time.Time `json:"to,omitempty"`
}

// Erasure says that a person's identity was erased, when, why and by whom.
type Erasure struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	ByOrg  string    `json:"by_org,omitempty"`
}

// PersonBody is a person as the change log holds it. Status, HeldBy,
// Consent and Periods are derived from the events on every write; whether
// the capture came after the agreement entered into force is computed at
// registration from the agreement as it then stood.
type PersonBody struct {
	Identity               *Identity  `json:"identity,omitempty"`
	Category               string     `json:"category"`
	CapturedBy             string     `json:"captured_by"`
	HeldBy                 string     `json:"held_by"`
	Nationality            string     `json:"nationality"`
	CapturedAt             time.Time  `json:"captured_at"`
	CapturePlace           *geo.Point `json:"capture_place,omitempty"`
	CapturePlaceID         string     `json:"capture_place_id,omitempty"`
	AgreementID            string     `json:"agreement_id,omitempty"`
	AgreementInForceAt     *time.Time `json:"agreement_in_force_at,omitempty"`
	CapturedAfterAgreement *bool      `json:"captured_after_agreement,omitempty"`
	Events                 []Event    `json:"events"`
	Status                 string     `json:"status"`
	Consent                bool       `json:"consent_confirmed"`
	Periods                []Period   `json:"periods"`
	Erased                 *Erasure   `json:"erased,omitempty"`
	Illustrative           bool       `json:"illustrative,omitempty"`
}

// Person is a person held with its pseudonymous id and version. Masked is
// true when the reader may not see identity: Identity and every place and
// death detail are then absent.
type Person struct {
	ID      string `json:"id" doc:"pseudonymous: drawn at random, never derived from identity"`
	Version int64  `json:"version"`
	Masked  bool   `json:"masked,omitempty"`
	PersonBody
}

// IdentityResource is the policy's view of the person's personal data:
// humanitarian officers, the detaining side and the side of nationality.
func (b PersonBody) IdentityResource() access.Resource {
	return access.Resource{Kind: EntityPerson, Writers: kindPerson.Writers, Classification: access.Personal, Owner: b.HeldBy, ReadersOrgs: []string{b.HeldBy, b.Nationality}}
}

// Resource is the policy's view of the record without identity: every
// account reads it; the detaining side files and updates it.
func (b PersonBody) Resource() access.Resource {
	return access.Resource{Kind: EntityPerson, Writers: kindPerson.Writers, Classification: access.Mission, Owner: b.HeldBy, OnBehalfOf: b.HeldBy}
}

// masked returns the body as a reader without the right sees it.
func (b PersonBody) masked() PersonBody {
	b.Identity = nil
	b.CapturePlace, b.CapturePlaceID = nil, ""
	events := make([]Event, len(b.Events))
	for i, e := range b.Events {
		e.Place, e.PlaceID = nil, ""
		if e.Death != nil {
			e.Death = &Death{Date: e.Death.Date}
		}
		events[i] = e
	}
	b.Events = events
	return b
}

// tombstone is the body an erasure leaves: the same record without
// identity and without places and death details; sides, category,
// status, dates and exchanges remain so that counts and the exchange
// history still hold.
func (b PersonBody) tombstone(e Erasure) PersonBody {
	t := b.masked()
	t.Erased = &e
	return t
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func checkDate(field, s string) error {
	if !dateRE.MatchString(s) {
		return errs.Invalid(field, "must be a date YYYY-MM-DD")
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return errs.Invalid(field, "is not a calendar date")
	}
	return nil
}

var idRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,15}_[0-9a-z]{1,64}$`)

// checkID checks the shape of a record id; whether it exists is checked
// in the write transaction.
func checkID(field, id string) error {
	if id == "" {
		return errs.Because(errs.Invalid(field, "is required"), errs.ReasonRequired)
	}
	if len(id) > 80 || !idRE.MatchString(id) {
		return errs.Because(errs.Invalid(field, "is not a record id"), errs.ReasonNotAnID)
	}
	return nil
}

func oneOf(field, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return errs.Because(errs.Invalid(field, "%q is not one of %v", v, allowed), errs.ReasonNotOneOf)
	}
	return nil
}

// check validates the identity fields; surname and first names are
// required (Art. 17).
func (id Identity) check() error {
	fields := []struct {
		name, value string
		required    bool
	}{
		{"identity.surname", id.Surname, true},
		{"identity.first_names", id.FirstNames, true},
		{"identity.rank", id.Rank, false},
		{"identity.place_of_birth", id.PlaceOfBirth, false},
		{"identity.service_number", id.ServiceNumber, false},
		{"identity.father_first_name", id.FatherFirstName, false},
		{"identity.mother_maiden_name", id.MotherMaidenName, false},
		{"identity.person_to_inform", id.PersonToInform, false},
	}
	for _, f := range fields {
		if f.value == "" {
			if f.required {
				return errs.Because(errs.Invalid(f.name, "is required"), errs.ReasonRequired)
			}
			continue
		}
		if err := text.CheckName(f.name, f.value, MaxName); err != nil {
			return err
		}
	}
	for _, f := range [][2]string{{"identity.person_to_inform_address", id.PersonToInformAddress}, {"identity.correspondence_address", id.CorrespondenceAddress}} {
		if f[1] != "" {
			if err := text.CheckText(f[0], f[1], MaxAddress); err != nil {
				return err
			}
		}
	}
	if id.DateOfBirth != "" {
		if err := checkDate("identity.date_of_birth", id.DateOfBirth); err != nil {
			return err
		}
	}
	return nil
}

// ClockSkew is how far in the future a reported time may lie.
const ClockSkew = 5 * time.Minute

func parseTime(field, s string, now time.Time) (time.Time, error) {
	t, err := geo.ParseTime(field, s)
	if err != nil {
		return t, err
	}
	if t.After(now.Add(ClockSkew)) {
		return t, errs.Because(errs.Invalid(field, "is in the future"), errs.ReasonInFuture)
	}
	return t, nil
}

func checkPlace(prefix string, p *geo.Point, placeID string) error {
	if p != nil {
		if err := p.Validate(); err != nil {
			return errs.Prefix(prefix+"place", err)
		}
	}
	if placeID != "" {
		if err := checkID(prefix+"place_id", placeID); err != nil {
			return err
		}
	}
	return nil
}

// event checks an event's shape (not whether it may follow the record's
// history: that is apply's job) and returns it.
func (in EventInput) event(prefix string, now time.Time, p access.Principal) (Event, error) {
	e := Event{Kind: in.Kind, By: in.By, ToSide: in.ToSide, Place: in.Place, PlaceID: in.PlaceID, RecordedBy: p.UserID, RecordedOrg: p.Org}
	if err := oneOf(prefix+"kind", in.Kind, EventKinds); err != nil {
		return e, err
	}
	if err := checkPlace(prefix, in.Place, in.PlaceID); err != nil {
		return e, err
	}
	switch in.Kind {
	case "visited":
		if err := checkID(prefix+"by", in.By); err != nil {
			return e, err
		}
	case "captured", "transferred":
		if err := checkID(prefix+"to_side", in.ToSide); err != nil {
			return e, err
		}
	}
	if in.Kind != "visited" && in.By != "" {
		return e, errs.Invalid(prefix+"by", "only a visit names who visited")
	}
	if in.Kind != "captured" && in.Kind != "transferred" && in.ToSide != "" {
		return e, errs.Invalid(prefix+"to_side", "only a capture or a transfer names a side")
	}
	if in.Kind == "deceased" {
		if in.Death == nil || in.Death.Date == "" {
			return e, errs.Invalid(prefix+"death.date", "a death record needs its date (Art. 120)")
		}
		d := *in.Death
		if err := checkDate(prefix+"death.date", d.Date); err != nil {
			return e, err
		}
		for _, f := range [][2]string{{"death.place", d.Place}, {"death.cause", d.Cause}, {"death.burial_place", d.BurialPlace}, {"death.grave", d.Grave}} {
			if f[1] != "" {
				if err := text.CheckText(prefix+f[0], f[1], MaxAddress); err != nil {
					return e, err
				}
			}
		}
		e.Death = &d
	} else if in.Death != nil {
		return e, errs.Invalid(prefix+"death", "only a death has a death record")
	}
	if in.At == "" && e.Death != nil {
		t, _ := time.Parse("2006-01-02", e.Death.Date)
		if t.After(now.Add(ClockSkew)) {
			return e, errs.Because(errs.Invalid(prefix+"death.date", "is in the future"), errs.ReasonInFuture)
		}
		e.At = t
		return e, nil
	}
	var err error
	e.At, err = parseTime(prefix+"at", in.At, now)
	return e, err
}

// body checks a person's input and builds the record with its capture as
// the first event; the later events, the agreement and the sides are
// checked in the write transaction.
func (in PersonInput) body(now time.Time, p access.Principal) (PersonBody, []Event, error) {
	b := PersonBody{Category: in.Category, HeldBy: in.HeldBy, Nationality: in.Nationality, CapturePlace: in.CapturePlace,
		CapturePlaceID: in.CapturePlaceID, AgreementID: in.AgreementID, Illustrative: in.Illustrative}
	// Every field is checked, and every failure reported at once; the
	// events, which build on the capture, only once those are right.
	var ec errs.Collector
	if err := in.Identity.check(); err != nil {
		ec.Add(err)
	}
	id := in.Identity
	b.Identity = &id
	if err := oneOf("category", in.Category, Categories); err != nil {
		ec.Add(err)
	}
	if err := checkID("held_by", in.HeldBy); err != nil {
		ec.Add(err)
	}
	if err := checkID("nationality", in.Nationality); err != nil {
		ec.Add(err)
	}
	if in.HeldBy == in.Nationality && !ec.Has("held_by") {
		ec.Add(errs.Invalid("nationality", "is the detaining side: the registry is of persons held by the other side"))
	}
	if in.AgreementID != "" {
		if err := checkID("agreement_id", in.AgreementID); err != nil {
			ec.Add(err)
		}
	}
	var err error
	if b.CapturedAt, err = parseTime("captured_at", in.CapturedAt, now); err != nil {
		ec.Add(err)
	}
	if err := checkPlace("capture_", in.CapturePlace, in.CapturePlaceID); err != nil {
		ec.Add(err)
	}
	if len(in.Events) > maxEvents-1 {
		ec.Add(errs.Because(errs.Invalid("events", "at most %d events", maxEvents-1), errs.ReasonTooLarge, "max", maxEvents-1))
	}
	if !ec.Empty() {
		return b, nil, ec.Err()
	}
	capture := Event{Kind: "captured", At: b.CapturedAt, ToSide: in.HeldBy, Place: in.CapturePlace, PlaceID: in.CapturePlaceID, RecordedBy: p.UserID, RecordedOrg: p.Org}
	b.CapturedBy = in.HeldBy
	if err := b.apply(capture, ""); err != nil {
		return b, nil, err
	}
	var later []Event
	for i, ein := range in.Events {
		prefix := fmt.Sprintf("events[%d].", i)
		e, err := ein.event(prefix, now, p)
		if err != nil {
			return b, nil, err
		}
		if err := mayRecord(p, e, prefix); err != nil {
			return b, nil, err
		}
		if err := b.apply(e, prefix); err != nil {
			return b, nil, err
		}
		later = append(later, e)
	}
	return b, later, nil
}

// mayRecord checks the event kinds that need a humanitarian officer: the
// confirmation of a person's free consent to repatriation, and visits.
func mayRecord(p access.Principal, e Event, prefix string) error {
	if (e.Kind == "consent_confirmed" || e.Kind == "visited") && !p.Has(access.Humanitarian) {
		return errs.Forbidden("only a humanitarian officer records %s (%skind)", e.Kind, prefix)
	}
	return nil
}

// active reports whether the person is in the detaining side's hands.
func active(status string) bool { return status == StatusHeld || status == StatusHospitalised }

// apply is the state machine: it appends e to the record if it can follow
// the history, and derives status, detaining side, consent and periods.
// An impossible sequence is a conflict naming the event's kind.
func (b *PersonBody) apply(e Event, prefix string) error {
	kind := prefix + "kind"
	if n := len(b.Events); n > 0 {
		if last := b.Events[n-1]; e.At.Before(last.At) {
			return errs.Invalid(prefix+"at", "%s is before the previous event (%s at %s)", e.At.Format(time.RFC3339), last.Kind, last.At.Format(time.RFC3339))
		}
	}
	if len(b.Events) >= maxEvents {
		return errs.Conflict(kind, "the record already holds %d events", maxEvents)
	}
	status, heldBy := b.Status, b.HeldBy
	switch b.Status {
	case StatusRepatriated, StatusDeceased:
		return errs.Conflict(kind, "no %s after the person was %s", e.Kind, b.Status)
	}
	switch e.Kind {
	case "captured":
		if b.Status != "" && b.Status != StatusEscaped {
			return errs.Conflict(kind, "a person who is %s cannot be captured", b.Status)
		}
		if len(b.Events) > 0 && e.ToSide == b.Nationality {
			return errs.Invalid(prefix+"to_side", "is the side of nationality")
		}
		status, heldBy = StatusHeld, e.ToSide
		b.Consent = false
	case "registered", "visited", "consent_confirmed":
		if !active(b.Status) {
			return errs.Conflict(kind, "a person who is %s cannot be %s", b.Status, e.Kind)
		}
		if e.Kind == "consent_confirmed" {
			b.Consent = true
		}
	case "hospitalised":
		if b.Status != StatusHeld {
			return errs.Conflict(kind, "a person who is %s cannot be hospitalised", b.Status)
		}
		status = StatusHospitalised
	case "discharged":
		if b.Status != StatusHospitalised {
			return errs.Conflict(kind, "only a hospitalised person is discharged; this one is %s", b.Status)
		}
		status = StatusHeld
	case "transferred":
		if !active(b.Status) {
			return errs.Conflict(kind, "a person who is %s cannot be transferred", b.Status)
		}
		if e.ToSide == b.HeldBy {
			return errs.Invalid(prefix+"to_side", "is the side already holding the person")
		}
		heldBy = e.ToSide
	case "released":
		if b.Status == StatusReleased {
			return errs.Conflict(kind, "the person was already released")
		}
		if !active(b.Status) {
			return errs.Conflict(kind, "a person who is %s cannot be released", b.Status)
		}
		status = StatusReleased
	case "repatriated":
		if !active(b.Status) && b.Status != StatusReleased {
			return errs.Conflict(kind, "a person who is %s cannot be repatriated", b.Status)
		}
		if !b.Consent {
			return errs.Conflict(prefix+"consent", "repatriation needs the person's free consent, confirmed by a humanitarian officer (a consent_confirmed event)")
		}
		status = StatusRepatriated
	case "escaped":
		if !active(b.Status) {
			return errs.Conflict(kind, "a person who is %s cannot escape", b.Status)
		}
		status = StatusEscaped
	case "deceased":
		if !active(b.Status) && b.Status != StatusEscaped {
			return errs.Conflict(kind, "the registry records the death of a person held or escaped; this one is %s", b.Status)
		}
		status = StatusDeceased
	}
	b.Events = append(b.Events, e)
	if status != b.Status || heldBy != b.HeldBy {
		if n := len(b.Periods); n > 0 {
			at := e.At
			b.Periods[n-1].To = &at
			if !b.Periods[n-1].From.Before(at) {
				b.Periods = b.Periods[:n-1] // zero length: nobody counted it
			}
		}
		b.Periods = append(b.Periods, Period{Status: status, HeldBy: heldBy, From: e.At})
	}
	b.Status, b.HeldBy = status, heldBy
	return nil
}
