package fusion

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
