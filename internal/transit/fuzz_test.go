package transit

import (
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var fuzzNow = time.Date(2021, 6, 12, 12, 0, 0, 0, time.UTC)

func FuzzCrossingInput(f *testing.F) {
	for _, s := range []string{
		`{"at":"2021-06-01T10:00:00Z","checkpoint_id":"lyr_c","direction":"towards_end","people":12,"vehicles":2,"cargo_tonnes":3.5,"cargo_type":"flour","escort_org":"org_p","humanitarian":true}`,
		`{"at":"2021-06-01T10:00:00Z","checkpoint_id":"lyr_c","direction":"inbound","people":-1,"vehicles":0}`,
		`{"at":"2021-06-01T10:00:00Z","checkpoint_id":"lyr_c","direction":"towards_start","people":0,"vehicles":0,"cargo_tonnes":1e308}`,
		`{"at":"2029-06-01T10:00:00Z","checkpoint_id":"lyr c","direction":"towards_start","people":1}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in CrossingInput) (CrossingBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckInput(t, data, DecodeCrossingInput, body, proj)
	})
}

func FuzzRestrictionInput(f *testing.F) {
	for _, s := range []string{
		`{"kind":"closure","checkpoint_id":"lyr_c","reason":"Landslide.","by_org":"org_p","start":"2021-06-01T06:00:00Z","end":"2021-06-01T18:00:00Z"}`,
		`{"kind":"reopening","corridor_id":"lyr_k","start":"2021-06-01T06:00:00Z"}`,
		`{"kind":"partial","corridor_id":"lyr_k","checkpoint_id":"lyr_c","reason":"r","start":"2021-06-02T00:00:00Z","end":"2021-06-01T00:00:00Z"}`,
		`{"kind":"reopening","checkpoint_id":"lyr_c","start":"2021-06-01T06:00:00Z","end":"2021-06-01T07:00:00Z","by_text":"\u202e"}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in RestrictionInput) (RestrictionBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[1]
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckInput(t, data, DecodeRestrictionInput, body, proj)
	})
}
