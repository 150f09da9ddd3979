package report

import (
	"context"
	"math"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
)

// Report is the data of a report: what the JSON format is, and what every
// other format renders. Maps encode with sorted keys, lists are sorted, so
// the JSON is deterministic.
type Report struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Number string `json:"number,omitempty" doc:"unique across kinds and editions: daily DP-N/YYYY or DM-N/YYYY (N the day of the year), summaries SP-/SM-n/YYYY and implementation reports IP-/IM-n/YYYY numbered when issued (docs/reports.md)"`
	Title  string `json:"title"`
	// Lang is the BCP 47 tag of the language the report is written in
	// (en, ru, ar, ...): its words, numbers and dates, and the PDF's
	// language and paragraph direction.
	Lang        string  `json:"lang,omitempty"`
	Mission     string  `json:"mission"`
	Edition     string  `json:"edition"`
	EditionNote string  `json:"edition_note"`
	Period      Period  `json:"period"`
	Previous    *Period `json:"previous,omitempty" doc:"the period every count is compared with"`
	// Sides are the parties whose allegations are counted apart, in column order.
	Sides []Org `json:"sides"`
	// VerifiedColumns are the attributions of verified violations: each side, both, undetermined.
	VerifiedColumns []Org `json:"verified_columns"`
	// Empty is true when nothing at all was recorded for the period.
	Empty     bool   `json:"empty"`
	EmptyNote string `json:"empty_note,omitempty"`

	Summary        []Compare            `json:"summary,omitempty"`
	Violations     *Violations          `json:"violations,omitempty"`
	Workflow       *Workflow            `json:"workflow,omitempty"`
	Movement       *Movement            `json:"movement,omitempty"`
	Humanitarian   *HumanitarianSection `json:"humanitarian,omitempty"`
	Agreement      *AgreementSection    `json:"agreement,omitempty"`
	Implementation *Implementation      `json:"implementation,omitempty"`
	Series         *DailySeries         `json:"series,omitempty" doc:"counts per reporting day: the last 30 days (daily) or the range (summary)"`
	Map            *MapData             `json:"map,omitempty"`
	Withheld       *Withheld            `json:"withheld,omitempty"`

	// orgNames are the names of the organisations the reader may see,
	// by their default name, in each report language they have one in:
	// how localize names the organisations the sections hold by name.
	orgNames map[string]map[string]string
}

// Org is an organisation as a report names it.
type Org struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Names are the organisation's names by report language, where it
	// has them; the report's language picks Name from them.
	Names map[string]string `json:"names,omitempty"`
}

// Compare is a count in this period beside the previous one.
type Compare struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Current  int    `json:"current"`
	Previous int    `json:"previous"`
	Change   int    `json:"change"`
	// ChangePercent is the change relative to the previous count, one
	// decimal; absent when the previous count is zero.
	ChangePercent *float64 `json:"change_percent,omitempty"`
}

func compare(key, label string, cur, prev int) Compare {
	c := Compare{Key: key, Label: label, Current: cur, Previous: prev, Change: cur - prev}
	if prev != 0 {
		pc := math.Round(float64(cur-prev)/float64(prev)*1000) / 10
		c.ChangePercent = &pc
	}
	return c
}

// TallyLine is one row of a violations table. The columns are never
// blended: what each side alleges, what the monitors observed (and of it,
// explosions), what the mission verified.
type TallyLine struct {
	Key          string         `json:"key"`
	Label        string         `json:"label"`
	AllegedBy    map[string]int `json:"alleged_by"`
	Observations int            `json:"observations"`
	Observed     int            `json:"observed"`
	Explosions   int            `json:"explosions"`
	Verified     map[string]int `json:"verified"`
}

// Violations is the ceasefire violations section.
type Violations struct {
	Total      TallyLine   `json:"total"`
	Previous   TallyLine   `json:"previous"`
	ByZone     []TallyLine `json:"by_zone"`
	ByCategory []TallyLine `json:"by_category"`
}

// IncidentLine is an incident of the period.
type IncidentLine struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Category    string    `json:"category"`
	Status      string    `json:"status"`
	Outcome     string    `json:"outcome,omitempty"`
	Attribution string    `json:"attribution,omitempty"`
	Start       time.Time `json:"start"`
	Lat         float64   `json:"lat"`
	Lon         float64   `json:"lon"`
}

// WorkflowEvent is a step of an investigation taken in the period.
type WorkflowEvent struct {
	IncidentID  string    `json:"incident_id"`
	Title       string    `json:"title"`
	Category    string    `json:"category"`
	At          time.Time `json:"at"`
	Outcome     string    `json:"outcome,omitempty"`
	Attribution string    `json:"attribution,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}

// Workflow is the section on incidents: those of the period, and the
// investigation steps taken in it.
type Workflow struct {
	Incidents []IncidentLine  `json:"incidents"`
	Opened    []WorkflowEvent `json:"opened"`
	Findings  []WorkflowEvent `json:"findings"`
	Suspended []WorkflowEvent `json:"suspended"`
}

// RestrictionLine is a restriction of freedom of movement met by a patrol.
type RestrictionLine struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	By        string    `json:"by"`
	Start     time.Time `json:"start"`
	DurationS *int64    `json:"duration_s,omitempty"`
	Zone      string    `json:"zone"`
	Lat       float64   `json:"lat"`
	Lon       float64   `json:"lon"`
}

// Movement is the freedom-of-movement section.
type Movement struct {
	ByKind       []Compare         `json:"by_kind"`
	Restrictions []RestrictionLine `json:"restrictions"`
}

// ProvisionChange is a provision whose status changed in the period.
type ProvisionChange struct {
	ProvisionID string    `json:"provision_id"`
	Number      string    `json:"number"`
	Summary     string    `json:"summary"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	At          time.Time `json:"at"`
	Note        string    `json:"note,omitempty"`
}

// OverdueLine is a provision past a deadline at the end of the period.
type OverdueLine struct {
	ProvisionID string    `json:"provision_id"`
	Number      string    `json:"number"`
	Summary     string    `json:"summary"`
	What        string    `json:"what"`
	Due         time.Time `json:"due"`
	DaysOverdue int       `json:"days_overdue"`
}

// AgreementSection is the daily report's section on the agreement.
type AgreementSection struct {
	Changed []ProvisionChange `json:"changed"`
	// Steps are status events that kept the status they followed (a
	// step recorded with its note and evidence, such as an exchange under
	// a provision already in progress): not a change of status.
	Steps   []ProvisionChange `json:"steps"`
	Overdue []OverdueLine     `json:"overdue"`
}

// DailySeries holds counts per reporting day.
type DailySeries struct {
	Days       []string         `json:"days"`
	AllegedBy  map[string][]int `json:"alleged_by"`
	Observed   []int            `json:"observed"`
	Explosions []int            `json:"explosions"`
	Verified   []int            `json:"verified"`
}

// MapData is what the map shows.
type MapData struct {
	Layers []MapLayer `json:"layers"`
	Points []MapPoint `json:"points"`
}

// Withheld counts the period's records a public edition does not show.
type Withheld struct {
	Allegations  int `json:"allegations"`
	Observations int `json:"observations"`
	Incidents    int `json:"incidents"`
	Restrictions int `json:"restrictions"`
}

// DeadlineLine is a deadline of a provision as of the report's date.
type DeadlineLine struct {
	What        string    `json:"what"`
	Due         time.Time `json:"due"`
	OriginalDue time.Time `json:"original_due,omitzero"`
	MetAt       time.Time `json:"met_at,omitzero"`
	Missed      bool      `json:"missed"`
}

// EvidenceLine supports a status.
type EvidenceLine struct {
	Kind   string    `json:"kind"`
	Ref    string    `json:"ref"`
	Title  string    `json:"title,omitempty"`
	At     time.Time `json:"at,omitzero"`
	Source string    `json:"source" doc:"status_history, or registry when it came from an evidence source"`
}

// ProvisionLine is one provision of an implementation report.
type ProvisionLine struct {
	ID        string                  `json:"id"`
	Number    string                  `json:"number"`
	Summary   string                  `json:"summary"`
	Obligated []string                `json:"obligated"`
	Status    string                  `json:"status"`
	Deadlines []DeadlineLine          `json:"deadlines"`
	History   []agreement.StatusEvent `json:"history"`
	Spans     []StatusSpan            `json:"spans"`
	Evidence  []EvidenceLine          `json:"evidence"`
	Remains   string                  `json:"remains"`
}

// Implementation is the implementation report of an agreement.
type Implementation struct {
	AgreementID  string          `json:"agreement_id"`
	Title        string          `json:"title"`
	SignedAt     time.Time       `json:"signed_at"`
	InForceAt    time.Time       `json:"in_force_at"`
	AsOf         time.Time       `json:"as_of"`
	Illustrative bool            `json:"illustrative"`
	Provisions   []ProvisionLine `json:"provisions"`
	Total        int             `json:"total"`
	Implemented  int             `json:"implemented"`
	// SharePercent is implemented / (total - superseded), in percent, one decimal.
	SharePercent float64        `json:"share_percent"`
	ByStatus     map[string]int `json:"by_status"`
}

// EvidenceSource gives the registry records that support a provision
// (exchanges for the provision on prisoners, crossings for the corridor,
// ...). The registries provide it; GET /api/v1/provisions/{id}/evidence
// serves the same. Until it is wired, the report shows the evidence of the
// provision's status history only.
type EvidenceSource interface {
	Evidence(ctx context.Context, p access.Principal, provisionID string) ([]EvidenceLine, error)
}
