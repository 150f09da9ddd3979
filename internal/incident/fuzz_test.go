package incident

import (
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var fuzzNow = time.Date(2021, 6, 12, 12, 0, 0, 0, time.UTC)

func FuzzAllegationInput(f *testing.F) {
	for _, s := range []string{
		`{"source_kind":"side","on_behalf_of":"org_a","alleged_perpetrator":"org_b","category":"heavy_weapons_fire","location":{"point":{"lat":40.1,"lon":46.88},"precision":"exact"},"time":{"start":"2021-06-10T03:10:00Z","end":"2021-06-10T03:40:00Z"},"casualties":{"killed":{"military":[{"side":"org_a","best":1}]},"injured":{"civilians":{"best":1,"low":0,"high":3}}},"narrative":"Mortar fire.\nԱկանատես","reliability":"B","credibility":3,"attachments":[{"sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","name":"p.jpg","media_type":"image/jpeg","size":10}],"classification":"restricted","restricted_to":["org_c"]}`,
		`{"source_kind":"media","lodged_by":"org_m","alleged_perpetrator":"unknown","category":"other","location":{"precision":"near_place","place_id":"plc_x"},"time":{"start":"2021-06-09","precision":"day"},"narrative":"x"}`,
		`{"source_kind":"public","alleged_perpetrator":"org_b","category":"other","location":{"precision":"district"},"time":{"start":"2021-06-13T00:00:00Z"},"narrative":"x"}`,
		`{"source_kind":"side","on_behalf_of":"org_a","alleged_perpetrator":"org_a","category":"other","location":{"point":{"lat":91,"lon":0},"precision":"exact"},"time":{"start":"2021-06-10T03:10:00+04:00","end":"2021-06-01T00:00:00Z"},"narrative":"\u202e"}`,
		`{"casualties":{"killed":{"civilians":{"best":3,"low":4,"high":2}}}} trailing`,
	} {
		f.Add([]byte(s))
	}
	body := func(in AllegationInput) (AllegationBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckInput(t, data, DecodeAllegationInput, body, proj)
	})
}

func FuzzObservationInput(f *testing.F) {
	for _, s := range []string{
		`{"observer":{"kind":"post","position":{"lat":40,"lon":46.7},"site_id":"lyr_x"},"kind":"undetermined_explosion","count":4,"bearing_from":80,"bearing_to":100,"distance_min_m":5000,"distance_max_m":10000,"perception":"heard","time":{"start":"2021-06-10T03:12:00Z"}}`,
		`{"observer":{"kind":"drone","position":{"lat":89.9,"lon":179.9}},"kind":"movement","count":1,"bearing_from":350,"distance_min_m":0,"distance_max_m":100000,"perception":"seen","time":{"start":"2021-06-10T03:12:00Z","end":"2021-06-10T03:13:00Z"},"note":"Tracked vehicles."}`,
		`{"observer":{"kind":"camera","position":{"lat":0,"lon":0}},"kind":"impact","count":1,"distance_min_m":0,"distance_max_m":0.001,"perception":"seen","time":{"start":"2021-06-10T03:12:00Z"}}`,
		`{"observer":{"kind":"patrol","position":{"lat":40,"lon":46}},"kind":"impact","count":1,"bearing_from":359.9999,"bearing_to":0,"distance_min_m":4500,"distance_max_m":1000,"perception":"heard","time":{"start":"2021-06-10T03:12:00Z"}}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in ObservationInput) (ObservationBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[1]
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckInput(t, data, DecodeObservationInput, body, proj)
	})
}
