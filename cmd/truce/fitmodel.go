package main

import "github.com/truce-monitoring/truce/internal/fusionmodel"

// fitModel fits the mission's fusion model for truce serve's background
// refit. It is fusion.Fit once the fitted model (issue 18, fuse18) is
// merged: until then nil, and the model is only set, never refitted.
var fitModel fusionmodel.FitFunc = nil
