package main

import (
	"github.com/truce-monitoring/truce/internal/fusion"
	"github.com/truce-monitoring/truce/internal/fusionmodel"
)

// fitModel fits the mission's fusion model for truce serve's background
// refit: expectation-maximisation over the stored reports and the
// reviewers' decisions (fusion.Fit).
var fitModel fusionmodel.FitFunc = fusion.Fit
