package returns

import (
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var fuzzNow = time.Date(2021, 6, 12, 12, 0, 0, 0, time.UTC)

func FuzzMovementInput(f *testing.F) {
	for _, s := range []string{
		`{"date":"2021-05-01T10:00:00Z","origin_text":"Goris","destination_place_id":"plc_x","people":[{"sex":"female","age":"18-59","count":10},{"sex":"male","age":"0-4","count":2}],"total":12,"kind":"organised","escort_org":"org_p","voluntariness_verified_by":"org_u"}`,
		`{"date":"2021-02-08T00:00:00Z","since":"2020-11-14T00:00:00Z","destination_place_id":"plc_x","total":52351,"kind":"mixed","source":"bulletin","classification":"public"}`,
		`{"date":"2021-05-01T10:00:00Z","destination_place_id":"plc_x","people":[{"sex":"female","age":"18-59","count":-1}],"total":-1,"kind":"spontaneous"}`,
		`{"date":"2031-05-01T10:00:00+04:00","destination_place_id":"plc_x","people":[{"sex":"x","age":"60+","count":9223372036854775807}],"total":1,"kind":"organised"}`,
		`{"total":3} {}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in MovementInput) (MovementBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckInput(t, data, DecodeMovementInput, body, proj)
	})
}

func FuzzVisitInput(f *testing.F) {
	for _, s := range []string{
		`{"movement_id":"ret_x","date":"2021-05-10T10:00:00Z","findings":[{"topic":"shelter","rating":"critical","note":"Roof gone."},{"topic":"documentation","rating":"no_concern"}],"follow_up_due":"2021-06-10T00:00:00Z"}`,
		`{"place_id":"plc_x","date":"2021-05-10T10:00:00Z","findings":[{"topic":"livelihoods","rating":"not_assessed"}],"follows_up":"rvi_y","team":"T","classification":"restricted","restricted_to":["org_a"]}`,
		`{"place_id":"plc_x","date":"2021-05-10T10:00:00Z","findings":[{"topic":"shelter","rating":"critical"},{"topic":"shelter","rating":"critical"}],"follow_up_due":"2021-05-01T00:00:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in VisitInput) (VisitBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[1]
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckInput(t, data, DecodeVisitInput, body, proj)
	})
}
