package fusion

// This file holds the declarations of issue 18's model contract (see the
// fuse18 branch, whose model.go replaces this file at merge) so that the
// model's life in the product builds without the fitted model: a model
// here carries no fitted parameters and gives the default parameters.

import (
	"fmt"
	"math"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Model is what a mission's noise looks like, learned from data.
type Model struct {
	Version int     `json:"version"` // schema version of this struct, 1
	Fitted  FitInfo `json:"fitted"`  // reports seen, labelled pairs used, iterations, log-likelihood
}

// FitInfo says what a model was fitted on.
type FitInfo struct {
	Reports    int     `json:"reports"`
	Labels     int     `json:"labels"`
	Iterations int     `json:"iterations"`
	LogLik     float64 `json:"log_lik"`
}

// Label is a reviewer's decision about two reports: the same event or not.
type Label struct {
	A    string `json:"a"`
	B    string `json:"b"`
	Same bool   `json:"same"`
}

// DefaultModel is the model before any data.
func DefaultModel() Model { return Model{Version: 1} }

// Params turns a model into the engine's parameters.
func (m Model) Params() Params { return DefaultParams() }

// Check says whether m can be used. Errors name the field.
func (m Model) Check() error {
	switch {
	case m.Version != 1:
		return errs.Invalid("version", "model version must be 1, got %d", m.Version)
	case m.Fitted.Reports < 0:
		return errs.Invalid("fitted.reports", "must not be negative, got %d", m.Fitted.Reports)
	case m.Fitted.Labels < 0:
		return errs.Invalid("fitted.labels", "must not be negative, got %d", m.Fitted.Labels)
	case m.Fitted.Iterations < 0:
		return errs.Invalid("fitted.iterations", "must not be negative, got %d", m.Fitted.Iterations)
	case math.IsNaN(m.Fitted.LogLik) || math.IsInf(m.Fitted.LogLik, 0):
		return errs.Invalid("fitted.log_lik", "must be a number, got %v", m.Fitted.LogLik)
	}
	return nil
}

// Describe says the model in words for analysts (English only here).
func (m Model) Describe(lang string) []string {
	if m.Fitted.Reports == 0 {
		return []string{"These are the hand-set defaults; no data has been fitted yet."}
	}
	return []string{fmt.Sprintf("Fitted on %d reports and %d reviewed pairs in %d rounds.", m.Fitted.Reports, m.Fitted.Labels, m.Fitted.Iterations)}
}
