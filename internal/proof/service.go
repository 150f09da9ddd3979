package proof

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/audit"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/record"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/store"
)

// Service makes bundles for readers: what a reader gets is decided by the
// record registry, as for the log's openings.
type Service struct {
	db        *store.DB
	records   *record.Registry
	reports   *report.Service
	cosigners func() []string
	published func(context.Context) (store.SignedCheckpoint, bool, error)
}

// Option configures a Service.
type Option func(*Service)

// WithCosigners gives the verifier keys (vkeys) of the witnesses whose
// cosignatures the centre's checkpoints carry: a bundle carries the key of
// each cosignature line, so that a verifier without a policy can still
// check every line. A line whose key is not given makes the bundle
// checkable only with a policy that names that witness.
func WithCosigners(keys func() []string) Option {
	return func(s *Service) { s.cosigners = keys }
}

// WithPublished gives the latest checkpoint the witness policy publishes
// (ok false before any is): a bundle proves its change against it when it
// covers the change, so that the bundle carries the cosignatures the policy
// asks for; a change newer than it is proved against the latest signed
// checkpoint, with the cosignatures collected so far.
func WithPublished(f func(context.Context) (store.SignedCheckpoint, bool, error)) Option {
	return func(s *Service) { s.published = f }
}

// New returns the bundle service over the store and the record registry.
func New(db *store.DB, records *record.Registry, reports *report.Service, opts ...Option) *Service {
	s := &Service{db: db, records: records, reports: reports}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Record returns the bundle of change seq for p: with the opening and the
// body when p may read the record (the body only when p may read all of
// it), and not found — as for a seq beyond the log — when p may not.
func (s *Service) Record(ctx context.Context, p access.Principal, seq int64) ([]byte, error) {
	e, err := s.records.Opening(ctx, p, seq)
	if err != nil {
		return nil, err
	}
	b := &Bundle{Origin: s.db.Keys().Origin, Index: seq, Leaf: e.Leaf, Opening: e.Opening}
	fields, err := changeFields(e)
	if err != nil {
		return nil, err
	}
	vs, err := s.records.History(ctx, p, e.Entity, e.ID)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Seq == seq && v.Body != nil && sha256.Sum256(v.Body) == fields.BodySHA256 {
			b.Body = slices.Clone([]byte(v.Body))
		}
	}
	cp, err := s.checkpointCovering(ctx, seq)
	if err != nil {
		return nil, err
	}
	b.Checkpoint = cp.Note
	proof, leafHash, err := s.db.InclusionProof(ctx, seq, cp.Size)
	if err != nil {
		return nil, err
	}
	if leafHash != tlog.RecordHash(e.Leaf) {
		return nil, fmt.Errorf("change %d: the stored leaf hash is not the hash of its leaf (run truce verify)", seq)
	}
	b.Inclusion = proof
	notes := [][]byte{cp.Note}
	if e.Entity == report.EntityReport && b.Body != nil {
		var is report.IssuedBody
		if err := json.Unmarshal(b.Body, &is); err != nil {
			return nil, fmt.Errorf("report %s: %w", e.ID, err)
		}
		if pc := is.Checkpoint; pc != nil {
			printed, err := s.db.CheckpointAt(ctx, pc.Size)
			if err != nil {
				return nil, err
			}
			b.Printed = printed.Note
			b.Consistency = []tlog.Hash{}
			if pc.Size > 0 {
				if b.Consistency, err = s.db.ConsistencyProof(ctx, pc.Size, cp.Size); err != nil {
					return nil, err
				}
			}
			notes = append(notes, printed.Note)
		}
	}
	b.Cosigners = s.cosignerKeys(notes)
	return b.Encode(), nil
}

// Report returns the bundle of issued report id for p: what Record gives
// for its issuing change.
func (s *Service) Report(ctx context.Context, p access.Principal, id string) ([]byte, error) {
	seq, err := s.reports.Seq(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.Record(ctx, p, seq)
}

// changeFields returns the fields of a change from its leaf or opening.
func changeFields(e store.LogEntry) (ledger.Leaf, error) {
	if e.Opening != nil {
		o, err := ledger.ParseOpening(e.Opening)
		return o.Leaf, err
	}
	return ledger.ParseLeaf(e.Leaf)
}

// checkpointCovering returns the latest signed checkpoint, signing one now
// when it does not yet hold change seq (checkpoints follow writes within a
// second; a reader need not wait).
func (s *Service) checkpointCovering(ctx context.Context, seq int64) (store.SignedCheckpoint, error) {
	if s.published != nil {
		cp, ok, err := s.published(ctx)
		if err != nil {
			return store.SignedCheckpoint{}, err
		}
		if ok && cp.Size > seq {
			return cp, nil
		}
	}
	cp, err := s.db.LatestCheckpoint(ctx)
	if err == nil && cp.Size > seq {
		return cp, nil
	}
	if err := s.db.Checkpoint(ctx); err != nil {
		return store.SignedCheckpoint{}, err
	}
	if cp, err = s.db.LatestCheckpoint(ctx); err != nil {
		return store.SignedCheckpoint{}, err
	}
	if cp.Size <= seq {
		return store.SignedCheckpoint{}, errs.Conflict("seq", "change %d is not yet in a signed checkpoint; try again in a second", seq)
	}
	return cp, nil
}

// cosignerKeys returns the known witness keys that sign a line of the
// notes, sorted.
func (s *Service) cosignerKeys(notes [][]byte) []string {
	if s.cosigners == nil {
		return nil
	}
	var out []string
	for _, k := range s.cosigners() {
		v, err := audit.NewCosignatureVerifier(k)
		if err != nil || slices.Contains(out, k) {
			continue
		}
		for _, n := range notes {
			if signsLine(n, v.Name(), v.KeyHash()) {
				out = append(out, k)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// signsLine reports whether a signed note has a signature line by the key
// of that name and key hash.
func signsLine(signed []byte, name string, hash uint32) bool {
	split := bytes.LastIndex(signed, []byte("\n\n"))
	if split < 0 {
		return false
	}
	for _, line := range strings.Split(string(signed[split+2:]), "\n") {
		rest, ok := strings.CutPrefix(line, "— ")
		n, b64, _ := strings.Cut(rest, " ")
		raw, err := base64.StdEncoding.DecodeString(b64)
		if ok && n == name && err == nil && len(raw) >= 4 && binary.BigEndian.Uint32(raw) == hash {
			return true
		}
	}
	return false
}
