package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
)

// Version is one change of a record as its history shows it.
type Version struct {
	Seq        int64     `json:"seq"`
	Version    int64     `json:"version"`
	Actor      string    `json:"actor"`
	Org        string    `json:"org"`
	Via        string    `json:"via"`
	At         time.Time `json:"at"`
	BodySHA256 string    `json:"body_sha256"`
	LeafHash   tlog.Hash `json:"leaf_hash"`
	// Leaf is the leaf data in the log; for a record that is not public, a
	// committed leaf, and Opening its opening (salt and fields), whose
	// SHA-256 is the leaf's commitment. History is read only for readers
	// entitled to the record, who may have it.
	Leaf    string          `json:"leaf"`
	Opening string          `json:"opening,omitempty"`
	Erased  bool            `json:"erased,omitempty"`
	Body    json.RawMessage `json:"body,omitempty"`
}

// History lists every change of a record, oldest first. Bodies are
// included only when withBodies is true: the caller decides, after the
// access policy, whether the reader may see them.
func (db *DB) History(ctx context.Context, entity, id string, withBodies bool) ([]Version, error) {
	rows, err := db.Query(ctx, `SELECT seq, entity, id, version, actor, org, via, at, body_sha256, body, erased_by, salt FROM changes WHERE entity = ? AND id = ? ORDER BY seq`, entity, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var l ledger.Leaf
		var at string
		var sum, body, salt []byte
		var erasedBy *int64
		if err := rows.Scan(&l.Seq, &l.Entity, &l.ID, &l.Version, &l.Actor, &l.Org, &l.Via, &at, &sum, &body, &erasedBy, &salt); err != nil {
			return nil, err
		}
		if l.At, err = time.Parse(ledger.TimeLayout, at); err != nil {
			return nil, fmt.Errorf("change %d: bad time", l.Seq)
		}
		copy(l.BodySHA256[:], sum)
		leaf, opening, err := leafData(l, salt)
		if err != nil {
			return nil, err
		}
		v := Version{Seq: l.Seq, Version: l.Version, Actor: l.Actor, Org: l.Org, Via: l.Via, At: l.At,
			BodySHA256: fmt.Sprintf("%x", sum), LeafHash: tlog.RecordHash(leaf), Leaf: string(leaf), Opening: string(opening), Erased: body == nil}
		if withBodies && body != nil {
			v.Body = body
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.NotFound("%s %s has no history", entity, id)
	}
	return out, nil
}

// Body returns the current body of a record and its version.
func (db *DB) Body(ctx context.Context, entity, id string) ([]byte, int64, error) {
	var body []byte
	var v int64
	err := db.QueryRow(ctx, `SELECT body, version FROM changes WHERE entity = ? AND id = ? ORDER BY version DESC LIMIT 1`, entity, id).Scan(&body, &v)
	if IsNoRows(err) {
		return nil, 0, errs.NotFound("%s %s not found", entity, id)
	}
	return body, v, err
}

// Current is a record's latest body and version.
type Current struct {
	Body    []byte
	Version int64
}

// Bodies returns the current bodies of records by id, in one query: lists
// pick a page of ids from their projection, then read the bodies here.
// Ids without a record are absent from the map.
func (db *DB) Bodies(ctx context.Context, entity string, ids []string) (map[string]Current, error) {
	out := make(map[string]Current, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, 0, n+1)
		args = append(args, entity)
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		rows, err := db.Query(ctx, `SELECT id, version, body FROM changes WHERE entity = ? AND id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", n), ",")+`) ORDER BY id, version`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var c Current
			if err := rows.Scan(&id, &c.Version, &c.Body); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}
