package fusionmodel

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/fusion"
)

func TestDecodeModel(t *testing.T) {
	m := fusion.DefaultModel()
	m.Fitted = fusion.FitInfo{Reports: 10, Labels: 2, Iterations: 1, LogLik: -0.5}
	b, _ := json.Marshal(m)
	got, err := DecodeModel(b)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for in, field := range map[string]string{
		``:                                     "model",
		`{`:                                    "model",
		`[]`:                                   "model",
		`{"version":1,"unknown":true}`:         "model",
		`{"version":1}{"version":1}`:           "model",
		`{"version":2}`:                        "model.version",
		`{"version":1,"fitted":{"labels":-1}}`: "model.fitted.labels",
	} {
		if _, err := DecodeModel([]byte(in)); errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) != field {
			t.Errorf("%q: %v (field %q), want invalid naming %s", in, err, errs.FieldOf(err), field)
		}
	}
}

func FuzzDecodeModel(f *testing.F) {
	b, _ := json.Marshal(fusion.DefaultModel())
	f.Add(b)
	f.Add([]byte(`{"version":1,"fitted":{"reports":-3}}`))
	f.Add([]byte(`{"version":1,"fitted":{"log_lik":1e400}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeModel(b)
		if err != nil {
			if errs.CodeOf(err) != errs.CodeInvalid || errs.FieldOf(err) == "" {
				t.Fatalf("error %v: want invalid naming a field", err)
			}
			return
		}
		if err := m.Check(); err != nil {
			t.Fatalf("decoded a model Check refuses: %v", err)
		}
		again, _ := json.Marshal(m)
		m2, err := DecodeModel(again)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-encoded model differs: %v", err)
		}
	})
}
