package store

import "fmt"

// Extend adds tables to entity's projection, their rows given by rows from
// the record's body: a value of the projection's body type or a pointer to
// one (as a domain package passes it on write), or a pointer decoded from
// the stored body (as verify rebuilds it). The rows are written in the
// change's transaction and compared by verify like the projection's own.
// A deleted record (no rows of its own) has none in the added tables
// either. It is how a concern that spans kinds, such as the search index,
// is fed from each kind's declaration without the domain package knowing.
// Call it before the first write; extending an entity with no typed
// projection is a programming error and panics.
func (db *DB) Extend(entity string, tables []Table, rows func(id string, body any) (map[string][][]any, error)) {
	p := db.projections[entity]
	if p == nil || p.NewBody == nil || p.RowsOf == nil || len(tables) == 0 {
		panic("store: extend: no typed projection for " + entity)
	}
	base, baseOf, newBody := p.Rows, p.RowsOf, p.NewBody
	merge := func(id string, own map[string][][]any, body any) (map[string][][]any, error) {
		empty := true
		for _, r := range own {
			if len(r) > 0 {
				empty = false
				break
			}
		}
		if empty {
			return own, nil
		}
		more, err := rows(id, body)
		if err != nil {
			return nil, err
		}
		out := make(map[string][][]any, len(own)+len(more))
		for k, v := range own {
			out[k] = v
		}
		for k, v := range more {
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("store: extend %s: table %s projected twice", entity, k)
			}
			out[k] = v
		}
		return out, nil
	}
	p.Rows = func(id string, body []byte) (map[string][][]any, error) {
		// Decode once and hand the value to both: verify decodes the
		// latest body of every record, and decoding was most of its time.
		v := newBody()
		if err := DecodeBody(body, v); err != nil {
			return nil, err
		}
		own, ok, err := baseOf(id, v)
		if err != nil {
			return nil, err
		}
		if !ok {
			if own, err = base(id, body); err != nil {
				return nil, err
			}
		}
		return merge(id, own, v)
	}
	p.RowsOf = func(id string, body any) (map[string][][]any, bool, error) {
		own, ok, err := baseOf(id, body)
		if !ok || err != nil {
			return own, ok, err
		}
		out, err := merge(id, own, body)
		return out, true, err
	}
	for _, t := range tables {
		p.Tables = append(p.Tables, t)
		p.deletes = append(p.deletes, fmt.Sprintf("DELETE FROM %s WHERE %s", t.Name, t.where(t.Columns[0]+" = ?")))
		p.inserts = append(p.inserts, make([]string, maxRowsPerInsert+1))
	}
}
