package mines

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store/storetest"
)

var fuzzNow = time.Date(2021, 7, 10, 12, 0, 0, 0, time.UTC)

const fuzzSquare = `[{"lat":39.99,"lon":46.92},{"lat":39.99,"lon":46.94},{"lat":40.0,"lon":46.94},{"lat":40.0,"lon":46.92},{"lat":39.99,"lon":46.92}]`

func FuzzMinefieldInput(f *testing.F) {
	for _, s := range []string{
		`{"designation":"A-1","laid_by":"org_a","district":"Aghdam","reference_points":[{"point":{"lat":39.99,"lon":46.92},"description":"Bridge"},{"point":{"lat":40,"lon":46.94},"description":"Tower"}],` +
			`"perimeter":` + fuzzSquare + `,"mines":[{"category":"anti_tank","model":"TM-62M","count":120,"fuse_type":"pressure","fuse_life":"indefinite","detectable":true}],` +
			`"emplacement":"hand","laid_at":"2020-10-20","anti_handling":{"present":true,"description":"Pull fuses."},"rows":[{"start":{"lat":39.992,"lon":46.925},"end":{"lat":39.992,"lon":46.935},"mines":40}],"mine_positions":[{"lat":39.995,"lon":46.93}],"classification":"restricted","restricted_to":["org_c"]}`,
		`{"laid_by":"org_a","district":"Fuzuli","reference_points":[{"point":{"lat":39.6,"lon":47.1},"description":"x"},{"point":{"lat":39.61,"lon":47.1},"description":"y"}],` +
			`"perimeter":` + fuzzSquare + `,"mines":[{"category":"anti_personnel","model":"PFM-1","count":0}],"emplacement":"remotely_delivered","laid_at":"2020-10-20T10:00:00+04:00","anti_handling":{"present":false},` +
			`"remote":{"corners":[{"lat":39.6,"lon":47.1},{"lat":39.61,"lon":47.1},{"lat":39.61,"lon":47.12}],"total":500,"self_destruct_period":"4 hours","delivered_by":"rocket"}}`,
		`{"laid_by":"org_a","district":"x","reference_points":[{"point":{"lat":1,"lon":1},"description":"x"}],"perimeter":[{"lat":1,"lon":1},{"lat":2,"lon":2},{"lat":1,"lon":2},{"lat":2,"lon":1},{"lat":1,"lon":1}],"mines":[{"category":"anti_tank","model":"x","count":-1}],"emplacement":"hand","laid_at":"2030-01-01"}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in MinefieldInput) (MinefieldBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckInput(t, data, DecodeMinefieldInput, body, proj)
	})
}

func FuzzHandoverInput(f *testing.F) {
	for _, s := range []string{
		`{"from_side":"org_am","to_side":"org_az","date":"2021-06-12","mediators":["org_ge","org_us"],"place":"Azerbaijan–Georgia border","exchange_id":"exc_1","mines_claimed":97000,"approximate":true,"districts":["Aghdam"],"note":"Maps of about 97,000 mines."}`,
		`{"from_side":"org_am","to_side":"org_az","date":"2021-07-03T10:00:00Z","minefield_ids":["mfd_1","mfd_2"],"districts":["Fuzuli","Zangilan"],"classification":"restricted","restricted_to":["org_jmc"]}`,
		`{"from_side":"org_am","to_side":"org_am","date":"2031-01-01","mines_claimed":-3,"districts":["x","x"]}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in HandoverInput) (HandoverBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[1]
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckInput(t, data, DecodeHandoverInput, body, proj)
	})
}

func FuzzHazardAreaInput(f *testing.F) {
	for _, s := range []string{
		`{"name":"SHA-001","district":"Aghdam","place_id":"plc_1","polygon":` + fuzzSquare + `,"evidence":"local_report","minefield_id":"mfd_1","recorded_on":"2021-06-01","note":"n","illustrative":true}`,
		`{"district":"Fuzuli","polygon":` + fuzzSquare + `,"evidence":"device_seen","recorded_on":"2021-06-01T08:00:00Z","classification":"restricted"}`,
		`{"district":"x","polygon":[{"lat":1,"lon":1},{"lat":2,"lon":2}],"evidence":"rumour","recorded_on":"2099-01-01"}`,
	} {
		f.Add([]byte(s))
	}
	body := func(in HazardAreaInput) (HazardAreaBody, error) { return in.body(fuzzNow, "org_owner") }
	proj := projections()[2]
	f.Fuzz(func(t *testing.T, data []byte) {
		storetest.CheckInput(t, data, DecodeHazardAreaInput, body, proj)
	})
}

// FuzzHazardEvent applies fuzzed events to a fixed suspected area: an
// event is refused as invalid naming a field, or accepted keeping the
// area's books: released plus remaining is the area, nothing negative,
// a status from the lifecycle, and the body projecting deterministically.
func FuzzHazardEvent(f *testing.F) {
	for _, s := range []string{
		`{"kind":"confirm","date":"2021-06-05"}`,
		`{"kind":"release","date":"2021-06-10","method":"non_technical_survey","area_m2":1000}`,
		`{"kind":"release","date":"2021-06-10T10:00:00Z","method":"clearance","area_m2":2463800,"devices":[{"category":"anti_tank_mine","model":"TM-62M","count":3,"condition":"corroded","depth_m":0.2,"location":{"lat":39.995,"lon":46.93}}]}`,
		`{"kind":"release","date":"2021-06-10","method":"technical_survey","area_m2":1e12}`,
		`{"kind":"reopen","date":"2021-06-10"}`,
	} {
		f.Add([]byte(s), []byte(`{"kind":"release","date":"2021-06-11","method":"clearance","area_m2":500}`))
	}
	area, err := HazardAreaInput{District: "Aghdam", Polygon: mustPolygon(f, fuzzSquare), Evidence: "local_report", RecordedOn: "2021-06-01"}.body(fuzzNow, "org_owner")
	if err != nil {
		f.Fatal(err)
	}
	proj := projections()[2]
	f.Fuzz(func(t *testing.T, first, second []byte) {
		b := area
		for _, data := range [][]byte{first, second} {
			in, err := DecodeEventInput(data)
			if err != nil {
				if errs.CodeOf(err) != errs.CodeInvalid {
					t.Fatalf("decode error is not invalid: %v", err)
				}
				return
			}
			next, err := b.apply(fuzzNow, in)
			if err != nil {
				if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) == "" {
					t.Fatalf("refused without an invalid-field error: %v", err)
				}
				return
			}
			if next.RemainingM2 < 0 || next.ReleasedM2 < 0 || next.ReleasedM2 > next.AreaM2+0.01 ||
				abs(next.ReleasedM2+next.RemainingM2-next.AreaM2) > 0.02 {
				t.Fatalf("books do not balance: area %v released %v remaining %v", next.AreaM2, next.ReleasedM2, next.RemainingM2)
			}
			if next.Open() != (next.RemainingM2 > 0) {
				t.Fatalf("status %s with %v m² remaining", next.Status, next.RemainingM2)
			}
			storetest.CheckBody(t, next, proj)
			b = next
		}
	})
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func mustPolygon(f *testing.F, s string) (p geo.Polygon) {
	f.Helper()
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		f.Fatal(err)
	}
	return p
}
