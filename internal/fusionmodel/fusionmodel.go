// Package fusionmodel keeps the mission's fusion model (issue 18): what
// the mission's noise looks like, learned from its reports and its
// reviewers' decisions. The model is one record ("fusion_model",
// MissionID) whose every version is a change in the log; any signed-in
// user reads it, analysts (and the system's background refit) change it.
// The review queue's proposals use the latest stored model's parameters.
package fusionmodel

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Entity is the model's kind of record; MissionID its one record.
const (
	Entity    = "fusion_model"
	MissionID = "fm_mission"
)

// kind: analysts change the model; every signed-in user reads it.
var kind = access.Kind{Entity: Entity, Writers: []access.Role{access.Analyst}}

// label is the model's label: mission-wide, the mission's own.
var label = access.Label{Classification: access.Mission}

// System is the principal the background refit acts as: an analyst of no
// organisation, so it learns only from what every mission member may read.
var System = access.Principal{UserID: "system", Username: "system", Via: "system", Roles: []access.Role{access.Analyst}}

// Body is one version of the model as the log holds it.
type Body struct {
	Model fusion.Model `json:"model"`
	// FittedAt is when the model was fitted or set.
	FittedAt time.Time `json:"fitted_at"`
	// Decisions is how many reviewers' decisions (accept, reject, split)
	// were in force when it was fitted: the refit counts new ones from it.
	Decisions int64 `json:"decisions"`
	// How says how the version came: "fitted" (from the reports and the
	// decisions) or "set" (an analyst gave it).
	How    string `json:"how"`
	By     string `json:"by"`
	Reason string `json:"reason,omitempty"`
	access.Label
}

// How a version came.
const (
	HowFitted = "fitted"
	HowSet    = "set"
)

// Stored is a version of the model. Version 0 is the default model, before
// any is stored.
type Stored struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	Body
}

// Resource is the policy's view of the model.
func (s Stored) Resource() access.Resource { return kind.Of(label) }

// Describe says the model in words, in lang.
func (s Stored) Describe(lang string) []string { return s.Model.Describe(lang) }

// Learner is what the model learns from: package incident's service.
type Learner interface {
	FusionReports(ctx context.Context, p access.Principal) ([]fusion.Report, error)
	FusionLabels(ctx context.Context, p access.Principal) ([]fusion.Label, error)
	ReviewDecisions(ctx context.Context) (int64, error)
}

// FitFunc estimates a model from reports and labels, starting from start;
// fusion.Fit unless a test or a benchmark gives another.
type FitFunc func(ctx context.Context, reports []fusion.Report, labels []fusion.Label, start fusion.Model) (fusion.Model, error)

// Service reads and changes the model.
type Service struct {
	db    *store.DB
	learn Learner
	fit   FitFunc
	// refit serialises fits: one at a time, whoever asks.
	refit sync.Mutex

	mu      sync.Mutex
	cached  Stored
	checked time.Time // when the cache was last compared with the store
	now     func() time.Time
}

// CacheFor is how long Params trusts its cached model before it asks the
// store whether another process stored a newer one.
const CacheFor = 5 * time.Second

// New returns the service on db and registers its projection. fit nil
// means fusion.Fit.
func New(db *store.DB, learn Learner, fit FitFunc) *Service {
	if fit == nil {
		fit = fusion.Fit
	}
	s := &Service{db: db, learn: learn, fit: fit, now: time.Now}
	db.Register(store.Typed(Entity, []store.Table{
		{Name: "fusion_models", Columns: []string{"id", "fitted_at", "how", "reports", "labels", "decisions"}},
	}, func(id string, b *Body) (map[string][][]any, error) {
		return map[string][][]any{"fusion_models": {{id, b.FittedAt.UTC().Format(time.RFC3339), b.How, b.Model.Fitted.Reports, b.Model.Fitted.Labels, b.Decisions}}}, nil
	}))
	return s
}

// Kinds declares the package's kind of record.
func (s *Service) Kinds() []record.Kind {
	return []record.Kind{{Kind: kind, Resource: record.ResourceOf(s.get)}}
}

func (s *Service) get(ctx context.Context, p access.Principal, id string) (Stored, error) {
	if id != MissionID {
		return Stored{}, errs.NotFound("fusion model %s not found", id)
	}
	st, err := s.Current(ctx, p)
	if err == nil && st.Version == 0 {
		return Stored{}, errs.NotFound("fusion model %s not found", id)
	}
	return st, err
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("fusion model: %s: %w", op, err)
}

// Current returns the latest stored model, or the default model as
// version 0 when none is stored yet. Any signed-in user reads it.
func (s *Service) Current(ctx context.Context, p access.Principal) (Stored, error) {
	if err := access.Decide(p, access.Read, kind.Of(label)); err != nil {
		return Stored{}, wrap("read", err)
	}
	st, err := s.load(ctx)
	return st, wrap("read", err)
}

func (s *Service) load(ctx context.Context) (Stored, error) {
	body, v, err := s.db.Body(ctx, Entity, MissionID)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return Stored{ID: MissionID, Body: Body{Model: fusion.DefaultModel(), How: HowSet, By: "default", Label: label}}, nil
	}
	if err != nil {
		return Stored{}, err
	}
	st := Stored{ID: MissionID, Version: v}
	if err := store.DecodeBody(body, &st.Body); err != nil {
		return Stored{}, fmt.Errorf("version %d: %w", v, err)
	}
	return st, nil
}

// History lists every stored version, newest first.
func (s *Service) History(ctx context.Context, p access.Principal) ([]Stored, error) {
	if err := access.Decide(p, access.Read, kind.Of(label)); err != nil {
		return nil, wrap("history", err)
	}
	vs, err := s.db.History(ctx, Entity, MissionID, true)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return []Stored{}, nil
	}
	if err != nil {
		return nil, wrap("history", err)
	}
	out := make([]Stored, 0, len(vs))
	for i := len(vs) - 1; i >= 0; i-- {
		st := Stored{ID: MissionID, Version: vs[i].Version}
		if vs[i].Body != nil {
			if err := store.DecodeBody(vs[i].Body, &st.Body); err != nil {
				return nil, wrap("history", fmt.Errorf("version %d: %w", vs[i].Version, err))
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// SetInput is a model an analyst gives, e.g. fitted elsewhere with truce
// bench fusion --fit.
type SetInput struct {
	Model json.RawMessage `json:"model"`
	// Version is the version the analyst read (0: none stored): a newer
	// one stored meanwhile is a conflict.
	Version int64  `json:"version"`
	Reason  string `json:"reason"`
}

// DecodeModel reads a model strictly: unknown fields, trailing data and a
// model Check refuses are errors naming the field.
func DecodeModel(b []byte) (fusion.Model, error) {
	var m fusion.Model
	dec := json.NewDecoder(bytesReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return fusion.Model{}, errs.Invalid("model", "not a fusion model: %s", err.Error())
	}
	if dec.More() {
		return fusion.Model{}, errs.Invalid("model", "unexpected data after the model")
	}
	if err := m.Check(); err != nil {
		return fusion.Model{}, errs.Prefix("model", err)
	}
	return m, nil
}

// Set stores a model an analyst gives as the next version. A model Check
// refuses is refused with the field named, and nothing changes.
func (s *Service) Set(ctx context.Context, p access.Principal, in SetInput) (Stored, error) {
	if err := access.Decide(p, access.Update, kind.Of(label)); err != nil {
		return Stored{}, wrap("set", err)
	}
	m, err := DecodeModel(in.Model)
	if err != nil {
		return Stored{}, wrap("set", err)
	}
	if in.Reason != "" {
		if err := text.CheckText("reason", in.Reason, 2000); err != nil {
			return Stored{}, wrap("set", err)
		}
	}
	if in.Version < 0 {
		return Stored{}, wrap("set", errs.Invalid("version", "must not be negative"))
	}
	n, err := s.learn.ReviewDecisions(ctx)
	if err != nil {
		return Stored{}, wrap("set", err)
	}
	st, err := s.store(ctx, p, in.Version+1, Body{Model: m, Decisions: n, How: HowSet, By: p.UserID, Reason: in.Reason})
	return st, wrap("set", err)
}

// store records b as version v (0: next), the time from the store's clock.
func (s *Service) store(ctx context.Context, p access.Principal, v int64, b Body) (Stored, error) {
	if err := b.Model.Check(); err != nil {
		return Stored{}, errs.Prefix("model", err)
	}
	b.Label = label
	var st Stored
	_, err := s.db.Write(ctx, func(tx *store.Tx) error {
		b.FittedAt = tx.Now()
		rec, err := tx.Record(store.Change{Entity: Entity, ID: MissionID, Version: v, Actor: p.Actor(), Body: b})
		if err != nil {
			return err
		}
		st = Stored{ID: MissionID, Version: rec.Version, Body: b}
		return nil
	})
	if err != nil {
		return Stored{}, err
	}
	s.mu.Lock()
	if st.Version > s.cached.Version {
		s.cached, s.checked = st, s.now()
	}
	s.mu.Unlock()
	return st, nil
}

// MayRefit answers whether p may refit or set the model: nil, or the
// policy's refusal. A page asks before it shows the button.
func (s *Service) MayRefit(p access.Principal) error {
	return access.Decide(p, access.Update, kind.Of(label))
}

// Refit fits the model again from every report and every reviewer's
// decision p may read, starting from the current model, and stores it as
// the next version. Analysts (and System) refit.
func (s *Service) Refit(ctx context.Context, p access.Principal, reason string) (Stored, error) {
	if err := access.Decide(p, access.Update, kind.Of(label)); err != nil {
		return Stored{}, wrap("refit", err)
	}
	if s.fit == nil {
		return Stored{}, wrap("refit", errs.Conflict("model", "this build has no model fitting"))
	}
	s.refit.Lock()
	defer s.refit.Unlock()
	cur, err := s.load(ctx)
	if err != nil {
		return Stored{}, wrap("refit", err)
	}
	n, err := s.learn.ReviewDecisions(ctx)
	if err != nil {
		return Stored{}, wrap("refit", err)
	}
	reports, err := s.learn.FusionReports(ctx, p)
	if err != nil {
		return Stored{}, wrap("refit", err)
	}
	labels, err := s.learn.FusionLabels(ctx, p)
	if err != nil {
		return Stored{}, wrap("refit", err)
	}
	m, err := s.fit(ctx, reports, labels, cur.Model)
	if err != nil {
		return Stored{}, wrap("refit", err)
	}
	st, err := s.store(ctx, p, cur.Version+1, Body{Model: m, Decisions: n, How: HowFitted, By: p.UserID, Reason: reason})
	return st, wrap("refit", err)
}

// Params gives the current model's engine parameters and its version, for
// the review queue's proposals (incident.Service.SetModelParams). It reads
// the store at most every CacheFor.
func (s *Service) Params(ctx context.Context) (fusion.Params, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.checked.IsZero() || s.now().Sub(s.checked) >= CacheFor {
		var v int64
		err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM changes WHERE entity = ? AND id = ?`, Entity, MissionID).Scan(&v)
		if err != nil {
			return fusion.Params{}, 0, err
		}
		if v != s.cached.Version {
			st, err := s.load(ctx)
			if err != nil {
				return fusion.Params{}, 0, err
			}
			s.cached = st
		}
		s.checked = s.now()
	}
	if s.cached.Version == 0 {
		return fusion.DefaultModel().Params(), 0, nil
	}
	return s.cached.Model.Params(), s.cached.Version, nil
}
