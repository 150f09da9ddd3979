package store

import (
	"fmt"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Erase records tombstone as the record's next version and removes the
// bodies of every earlier version, marking each as erased by the new
// change. The leaves keep their body hashes, so the log still proves what
// was recorded and when, and truce verify reports those entries as erased,
// not as tampered with. The tombstone is a body like any other: it must
// still project (counts, sides, status), minus the personal data.
func (tx *Tx) Erase(entity, id string, actor Actor, tombstone any) (Recorded, error) {
	current, err := tx.CurrentVersion(entity, id)
	if err != nil {
		return Recorded{}, err
	}
	if current == 0 {
		return Recorded{}, errs.NotFound("%s %s not found", entity, id)
	}
	rec, err := tx.Record(Change{Entity: entity, ID: id, Version: current + 1, Actor: actor, Body: tombstone})
	if err != nil {
		return Recorded{}, err
	}
	if _, err := tx.exec(`UPDATE changes SET body = NULL, erased_by = ? WHERE entity = ? AND id = ? AND seq < ? AND body IS NOT NULL`,
		rec.Seq, entity, id, rec.Seq); err != nil {
		return Recorded{}, fmt.Errorf("erase %s %s: %w", entity, id, err)
	}
	return rec, nil
}
