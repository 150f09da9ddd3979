package store

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Current decodes a record's latest body into into and returns its
// version. A record that does not exist, or whose body was erased, is not
// found.
func (db *DB) Current(ctx context.Context, entity, id string, into any) (int64, error) {
	body, v, err := db.Body(ctx, entity, id)
	if err != nil {
		if errs.CodeOf(err) == errs.CodeNotFound {
			return 0, errs.NotFound("%s %s not found", entity, id)
		}
		return 0, err
	}
	return v, decodeCurrent(entity, id, body, into)
}

// Current is DB.Current inside a write transaction, so that the checks
// made on a record and the change written see the same state.
func (tx *Tx) Current(entity, id string, into any) (int64, error) {
	var body []byte
	var v int64
	err := tx.QueryRow(`SELECT body, version FROM changes WHERE entity = ? AND id = ? ORDER BY version DESC LIMIT 1`, entity, id).Scan(&body, &v)
	if IsNoRows(err) {
		return 0, errs.NotFound("%s %s not found", entity, id)
	}
	if err != nil {
		return 0, err
	}
	return v, decodeCurrent(entity, id, body, into)
}

func decodeCurrent(entity, id string, body []byte, into any) error {
	if body == nil {
		return errs.NotFound("%s %s not found", entity, id)
	}
	if err := DecodeBody(body, into); err != nil {
		return fmt.Errorf("%s %s: %w", entity, id, err)
	}
	return nil
}

// CheckVersion refuses a change made against a version that is not the
// record's current one (optimistic concurrency: If-Match).
func CheckVersion(entity, id string, want, have int64) error {
	if want < 1 {
		return errs.Invalid("version", "must be the version last read, at least 1")
	}
	if want != have {
		return errs.Conflict("version", "%s %s is at version %d; this change was made against version %d", entity, id, have, want)
	}
	return nil
}

// LatestJoin joins projection rows aliased r to their record's latest
// change, aliased c, so that a list reads its bodies in one query instead
// of one per row. entity must be a constant of the calling package.
// SQLite's CROSS JOIN keeps r the outer loop: a page's few rows look up
// their changes, where the planner would otherwise scan every change of
// the entity for each page (listing 100,000 allegations: 0.7 s against 7 s).
// PostgreSQL refuses CROSS JOIN with ON and plans the plain JOIN well.
func (d Dialect) LatestJoin(entity string) string {
	return d.Join + ` changes c ON c.entity = '` + entity + `' AND c.id = r.id AND c.version = (SELECT MAX(version) FROM changes m WHERE m.entity = '` + entity + `' AND m.id = r.id)`
}
