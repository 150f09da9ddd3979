package fusion

import "math"

// PairScore exposes the pair model to external tests.
func PairScore(p Params, a, b Report) (base, relation float64, ok bool) {
	e := NewEngine(p)
	x, err := e.compile(&a)
	if err != nil {
		panic(err)
	}
	y, err := e.compile(&b)
	if err != nil {
		panic(err)
	}
	t := e.pair(&x, &y)
	return t.base(), t.relation, t.ok
}

// OracleStats measures what a grouping could achieve on a stream whose
// truth is known, on a sample of reports: Feasible is the share of true
// (report, partner) pairs whose regions meet at all (the ceiling for any
// model that respects the reporters' stated precision); Identifiable the
// share where the true partner also outscores every report of another
// event that q's region meets (what a perfect pair score could find
// without knowing the truth); Rivals the mean number of reports of other
// events that q is compatible with.
type OracleStats struct {
	Pairs                  int
	Feasible, Identifiable float64
	Rivals                 float64
}

func Oracle(reports []Report, truth []string, sample int) OracleStats {
	e := NewEngine(DefaultParams())
	items := make([]item, len(reports))
	for i := range reports {
		it, err := e.compile(&reports[i])
		if err != nil {
			panic(err)
		}
		items[i] = it
		e.idx.insert(int32(i), &items[i])
	}
	byEvent := map[string][]int32{}
	for i, t := range truth {
		byEvent[t] = append(byEvent[t], int32(i))
	}
	step := max(1, len(reports)/sample)
	var st OracleStats
	var feas, ident, queries, rivals int
	for i := 0; i < len(reports); i += step {
		q := &items[i]
		reach := q.radius + e.p.MutualSlackM/1000 + e.p.SectorBlurM/1000 + 1
		bestOther := math.Inf(-1)
		queries++
		e.idx.query(q, reach, math.Inf(1), 0, func(id int32) {
			if truth[id] == truth[i] {
				return
			}
			if t := e.pair(q, &items[id]); t.ok {
				rivals++
				bestOther = max(bestOther, t.base()+t.relation)
			}
		})
		for _, j := range byEvent[truth[i]] {
			if int(j) == i {
				continue
			}
			st.Pairs++
			t := e.pair(q, &items[j])
			if !t.ok {
				continue
			}
			feas++
			if t.base()+t.relation > bestOther {
				ident++
			}
		}
	}
	st.Feasible = float64(feas) / float64(max(st.Pairs, 1))
	st.Identifiable = float64(ident) / float64(max(st.Pairs, 1))
	st.Rivals = float64(rivals) / float64(max(queries, 1))
	return st
}
