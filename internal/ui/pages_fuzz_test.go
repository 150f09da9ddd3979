package ui

import (
	"net/url"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/web"
)

// The form readers turn any posted text into an input for the domain, or a
// field error; they never panic, and what they accept validates or fails
// with a named field.
func FuzzForms(f *testing.F) {
	f.Add("39.5", "46.7", "2021-06-10T14:30", "", "3", "10", "350", "100", "2000")
	f.Add("", "", "2021-06-10", "2021-06-11", "", "x", "", "-1", "1e309")
	f.Add("NaN", "Inf", "not a time", "2021-13-40T25:61", "99999999999999999999", "0x10", "3,5", "", "")
	f.Fuzz(func(t *testing.T, lat, lon, start, end, count, bearing, bearingTo, dmin, dmax string) {
		form := &web.Form{Values: url.Values{
			"location.point.lat": {lat}, "location.point.lon": {lon}, "time.start": {start}, "time.end": {end},
			"credibility": {count}, "casualties.killed": {count}, "casualties.injured": {bearing},
			"observer.position.lat": {lat}, "observer.position.lon": {lon}, "count": {count},
			"bearing_from": {bearing}, "bearing_to": {bearingTo}, "distance_min_m": {dmin}, "distance_max_m": {dmax},
			"narrative": {"x"}, "category": {"other"}, "kind": {"impact"}, "perception": {"seen"},
		}}
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if in, err := allegationInput(form, time.UTC); err == nil {
			_ = in.Validate(now)
		}
		if in, err := observationInput(form, time.UTC); err == nil {
			_ = in.Validate(now)
		}
		_ = formTime(start, time.FixedZone("x", 4*3600))
	})
}
