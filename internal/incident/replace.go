package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
	"github.com/truce-monitoring/truce/internal/store"
)

// systemActor is who records the geography recomputed after a layer
// changed: no person decided it.
var systemActor = store.Actor{User: "system", Via: "system"}

// Replace recomputes the geography kept with every allegation and
// observation — zones, corridor, distance and side of the line, nearest
// post and place — against the layers as they are now, and records a new
// version of each record whose geography changed. It returns how many
// records changed. A record someone changes meanwhile is left for the next
// run (its own write computed its geography anyway).
func (s *Service) Replace(ctx context.Context) (int, error) {
	n := 0
	for _, e := range []struct {
		entity, table string
		regeo         func(ctx context.Context, body []byte) ([]byte, bool, error)
	}{
		{EntityAllegation, "allegations", func(ctx context.Context, body []byte) ([]byte, bool, error) {
			var b AllegationBody
			if err := store.DecodeBody(body, &b); err != nil {
				return nil, false, err
			}
			g, err := s.geo.LocateFor(ctx, locator, b.Location.Point, b.Time.Start)
			if err != nil || sameGeography(g, b.Geography) {
				return nil, false, err
			}
			b.Geography = g
			out, err := json.Marshal(b)
			return out, true, err
		}},
		{EntityObservation, "observations", func(ctx context.Context, body []byte) ([]byte, bool, error) {
			var b ObservationBody
			if err := store.DecodeBody(body, &b); err != nil {
				return nil, false, err
			}
			g, err := s.geo.LocateFor(ctx, locator, b.Centre, b.Time.Start)
			if err != nil || sameGeography(g, b.Geography) {
				return nil, false, err
			}
			b.Geography = g
			out, err := json.Marshal(b)
			return out, true, err
		}},
	} {
		after := ""
		for {
			ids, err := s.pageOfIDs(ctx, e.table, after)
			if err != nil || len(ids) == 0 {
				if err != nil {
					return n, fmt.Errorf("replace %s: %w", e.entity, err)
				}
				break
			}
			after = ids[len(ids)-1]
			bodies, err := s.db.Bodies(ctx, e.entity, ids)
			if err != nil {
				return n, fmt.Errorf("replace %s: %w", e.entity, err)
			}
			for _, id := range ids {
				cur, ok := bodies[id]
				if !ok || cur.Body == nil {
					continue
				}
				body, changed, err := e.regeo(ctx, cur.Body)
				if err != nil {
					return n, fmt.Errorf("replace %s %s: %w", e.entity, id, err)
				}
				if !changed {
					continue
				}
				_, err = s.db.Write(ctx, func(tx *store.Tx) error {
					_, err := tx.Record(store.Change{Entity: e.entity, ID: id, Version: cur.Version + 1, Actor: systemActor, Body: json.RawMessage(body), Public: labelledPublic(body)})
					return err
				})
				if errs.CodeOf(err) == errs.CodeConflict {
					continue
				}
				if err != nil {
					return n, fmt.Errorf("replace %s %s: %w", e.entity, id, err)
				}
				n++
			}
		}
	}
	return n, nil
}

// sameGeography compares two placements, ignoring nothing: a record keeps
// its version when the layers' change does not concern it.
func sameGeography(a, b geo.Location) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return reflect.DeepEqual(ja, jb)
}

// pageOfIDs returns up to 500 ids of a projection table after the given id.
func (s *Service) pageOfIDs(ctx context.Context, table, after string) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM `+table+` WHERE id > ? ORDER BY id LIMIT 500`, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// replacer runs Replace in the background after layers change: one run at
// a time, and one more if layers changed while it ran.
type replacer struct {
	mu      sync.Mutex
	running bool
	again   bool
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
	log     func(changed int, err error)
}

// ReplaceSoon asks for the geography of every record to be recomputed in
// the background; the geography service calls it after a layer is written.
func (s *Service) ReplaceSoon() {
	r := &s.replace
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx == nil {
		r.ctx, r.cancel = context.WithCancel(context.Background())
	}
	if r.ctx.Err() != nil {
		return // closed
	}
	if r.running {
		r.again = true
		return
	}
	r.running = true
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			n, err := s.Replace(r.ctx)
			if r.log != nil {
				r.log(n, err)
			}
			r.mu.Lock()
			if !r.again || r.ctx.Err() != nil {
				r.running = false
				r.mu.Unlock()
				return
			}
			r.again = false
			r.mu.Unlock()
		}
	}()
}

// Close stops a background recomputation and waits for it.
func (s *Service) Close() {
	r := &s.replace
	r.mu.Lock()
	if r.ctx == nil {
		r.ctx, r.cancel = context.WithCancel(context.Background())
	}
	r.cancel()
	r.mu.Unlock()
	r.wg.Wait()
}

// WithReplaceLog reports each background recomputation.
func WithReplaceLog(f func(changed int, err error)) Option {
	return func(s *Service) { s.replace.log = f }
}

// WaitIdle returns when no background recomputation is running (tests and
// tools that need a quiet log use it).
func (s *Service) WaitIdle() {
	r := &s.replace
	for {
		r.mu.Lock()
		running := r.running
		r.mu.Unlock()
		if !running {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// labelledPublic reports whether a stored body's label is public; a body
// that does not decode is not (its change is committed).
func labelledPublic(body []byte) bool {
	var l access.Label
	return store.DecodeBody(body, &l) == nil && l.Classification == access.Public
}
