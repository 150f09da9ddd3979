package store

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/truce-monitoring/truce/internal/errs"
)

// RecordAll records changes in order, as many calls of Record would, and
// faster: what each change needs that is not the database's (its body's
// JSON, hashes, salt, projection rows and, for a creation, its leaf) is
// computed on every core while the rows of the changes before it are
// written, and consecutive creations of one entity go to the database in
// multi-row INSERTs (a few statements for 64 changes instead of two
// each), which on PostgreSQL saves the round trips.
//
// On an error RecordAll returns it with the changes recorded before the
// failing one; the transaction then holds some of the failing group's
// rows too, so the fn must return the error (Write rolls back the fn).
// A creation that already exists is a conflict naming the batch, not
// the record: a multi-row INSERT does not say which row failed.
func (tx *Tx) RecordAll(cs []Change) ([]Recorded, error) {
	from := len(tx.recorded)
	pcs := make([]prepared, len(cs))
	for i := range pcs {
		// The sequence numbers assume that every change before succeeds;
		// one that fails ends the batch, so no later leaf is used.
		pcs[i].c, pcs[i].seq = cs[i], tx.size+int64(i)
	}
	const chunk = 64
	err := inOrder(tx.shared.ctx, func(ctx context.Context, emit func([]prepared) bool) error {
		for i := 0; i < len(pcs); i += chunk {
			if !emit(pcs[i:min(i+chunk, len(pcs))]) {
				break
			}
		}
		return nil
	}, func(items []prepared) {
		for j := range items {
			tx.prepareOne(&items[j])
		}
	}, tx.applyAll)
	return tx.recorded[from:len(tx.recorded):len(tx.recorded)], err
}

// prepareOne prepares one change of RecordAll, keeping a panic of its
// projection for the calling goroutine to raise again.
func (tx *Tx) prepareOne(pc *prepared) {
	defer func() {
		if p := recover(); p != nil {
			pc.panicked = p
		}
	}()
	if pc.err = tx.prepare(pc.c, pc); pc.err == nil && pc.c.Version == 1 {
		tx.computeLeaf(pc, pc.seq, 1)
	}
}

// applyAll writes prepared changes in order: runs of creations of one
// entity together, the others one by one.
func (tx *Tx) applyAll(pcs []prepared) error {
	for i := 0; i < len(pcs); {
		pc := &pcs[i]
		if pc.panicked != nil {
			panic(pc.panicked)
		}
		if pc.err != nil {
			return pc.err
		}
		j := i + 1
		if pc.c.Version == 1 {
			for j < len(pcs) && pcs[j].err == nil && pcs[j].panicked == nil && pcs[j].c.Version == 1 && pcs[j].c.Entity == pc.c.Entity {
				j++
			}
		}
		if j-i == 1 {
			if _, err := tx.apply(pc); err != nil {
				return err
			}
		} else if err := tx.createAll(pcs[i:j]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// changeColumns are the columns of a change row, as createAll writes them.
const changeColumns = 11

var changeInserts sync.Map // rows -> the INSERT of that many change rows

func changeInsert(n int) string {
	if q, ok := changeInserts.Load(n); ok {
		return q.(string)
	}
	row := "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	q := `INSERT INTO changes (seq, entity, id, version, actor, org, via, at, body, body_sha256, salt) VALUES ` +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	changeInserts.Store(n, q)
	return q
}

// createAll writes creations of one entity: their change rows, then each
// projection table's rows, in multi-row INSERTs, then their leaves.
func (tx *Tx) createAll(pcs []prepared) error {
	for k := range pcs {
		if pc := &pcs[k]; pc.data == nil || pc.seq != tx.size+int64(k) || pc.version != 1 {
			tx.computeLeaf(pc, tx.size+int64(k), 1)
		}
	}
	args := make([]any, 0, len(pcs)*changeColumns)
	for k := range pcs {
		pc := &pcs[k]
		c := pc.c
		args = append(args, pc.seq, c.Entity, c.ID, int64(1), c.Actor.User, c.Actor.Org, c.Actor.Via, tx.atText, pc.body, pc.sum[:], pc.salt)
	}
	if _, err := tx.exec(changeInsert(len(pcs)), args...); err != nil {
		if isUniqueViolation(err) {
			return errs.Conflict("id", "one of %d new %s records (%s to %s) already exists: %v", len(pcs), pcs[0].c.Entity, pcs[0].c.ID, pcs[len(pcs)-1].c.ID, err)
		}
		return fmt.Errorf("insert changes: %w", err)
	}
	p := pcs[0].p
	if p.Tally != nil {
		ids := make([]string, len(pcs))
		all := make([]map[string][][]any, len(pcs))
		for k := range pcs {
			ids[k], all[k] = pcs[k].c.ID, pcs[k].rows
		}
		if err := p.Tally(tx, false, ids, all); err != nil {
			return fmt.Errorf("tally %s: %w", p.Entity, err)
		}
	}
	var rows [][]any
	for i, t := range p.Tables {
		rows = rows[:0]
		for k := range pcs {
			rows = append(rows, pcs[k].rows[t.Name]...)
		}
		if err := tx.insertRows(p, i, rows); err != nil {
			return err
		}
	}
	for k := range pcs {
		if _, err := tx.appendLeaf(&pcs[k]); err != nil {
			return err
		}
	}
	return nil
}
