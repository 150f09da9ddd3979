// Package witnessclient is the centre's side of c2sp.org/tlog-witness:
// after each checkpoint the store signs, it submits the checkpoint to each
// configured witness with the consistency proof from the size that witness
// last cosigned, verifies the cosignatures it gets back against the
// witness's key and stores them, so that /log/checkpoint serves the note
// with them. A policy (c2sp.org/tlog-policy, read by package audit) says
// which cosignatures make a checkpoint published.
//
// Writes never wait for a witness: the store only wakes the submitters.
// A witness that does not answer is retried with back-off; a witness that
// refuses — a checkpoint that does not extend the last one it cosigned,
// which is what a rewritten history or a split view looks like — is an
// alarm: a log line, a metric and a banner for admins and co-chairs.
package witnessclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/audit"
	"github.com/truce-monitoring/truce/internal/store"
)

// Config configures New.
type Config struct {
	Witnesses []Witness
	// Policy is a tlog-policy file saying which cosignatures publish a
	// checkpoint; nil: every witness must cosign.
	Policy []byte
	Log    *slog.Logger
	Now    func() time.Time
	Client *http.Client // nil: a client with a 30 s timeout
	// MinBackoff and MaxBackoff bound the wait before a witness that
	// failed is asked again (zero: 1 s and 5 min); it doubles each time.
	MinBackoff, MaxBackoff time.Duration
}

// Service submits checkpoints to witnesses and reads what they answered.
type Service struct {
	db        *store.DB
	policy    *audit.Policy
	log       *slog.Logger
	now       func() time.Time
	client    *http.Client
	min, max  time.Duration
	witnesses []*submitter
	published atomic.Int64 // size of the latest published checkpoint; -1 when none

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// submitter is one witness's goroutine and state.
type submitter struct {
	Witness
	wake chan struct{}

	mu    sync.Mutex
	state Status
	known int64 // the size the witness last cosigned, as far as the centre knows
}

// Status is a witness's state as the centre sees it.
type Status struct {
	Name, URL string
	// CosignedSize is the size of the largest checkpoint it cosigned here,
	// at CosignedAt (the cosignature's time); -1 when none.
	CosignedSize int64
	CosignedAt   time.Time
	LastContact  time.Time // its last answer, of any kind
	LastError    string    // why the last submission failed; "" after a success
	// Refused is set when its last answer was a refusal: a checkpoint that
	// does not extend what it cosigned before (RefusedSize is the size
	// submitted, RefusedReason its answer).
	Refused       bool
	RefusedAt     time.Time
	RefusedSize   int64
	RefusedReason string
	Refusals      int64 // refusals since the server started
	Failures      int64 // failed submissions (refusals included) since the server started
}

// New configures the witnesses of db's log. It submits nothing until
// Start.
func New(ctx context.Context, db *store.DB, c Config) (*Service, error) {
	if len(c.Witnesses) == 0 {
		return nil, errors.New("witnessclient: no witness")
	}
	seen := map[string]bool{}
	for _, w := range c.Witnesses {
		if seen[w.Name] {
			return nil, fmt.Errorf("two witnesses are named %s", w.Name)
		}
		seen[w.Name] = true
		if w.verifier == nil {
			return nil, fmt.Errorf("witness %s was not made by ParseWitness", w.Name)
		}
	}
	logKey := db.Keys().Public
	text := c.Policy
	if text == nil {
		text = defaultPolicy(logKey, c.Witnesses)
	}
	p, err := audit.ParsePolicy(text)
	if err != nil {
		return nil, fmt.Errorf("witness policy: %w", err)
	}
	if err := checkPolicy(p, logKey, c.Witnesses); err != nil {
		return nil, err
	}
	s := &Service{db: db, policy: p, log: c.Log, now: c.Now, client: c.Client, min: c.MinBackoff, max: c.MaxBackoff}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 30 * time.Second}
	}
	if s.min <= 0 {
		s.min = time.Second
	}
	if s.max < s.min {
		s.max = max(5*time.Minute, s.min)
	}
	latest, err := db.LatestCosignatures(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range c.Witnesses {
		sub := &submitter{Witness: w, wake: make(chan struct{}, 1), state: Status{Name: w.Name, URL: w.URL, CosignedSize: -1}}
		for _, c := range latest {
			if c.Witness == w.Name {
				sub.known, sub.state.CosignedSize, sub.state.CosignedAt = c.Size, c.Size, c.SignedAt
			}
		}
		s.witnesses = append(s.witnesses, sub)
	}
	s.published.Store(-1)
	if err := s.updatePublished(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Start submits the latest checkpoint to every witness now, and each new
// one as the store signs it, until Close.
func (s *Service) Start() {
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.db.OnCheckpoint(func(int64) { s.Poke() })
	for _, w := range s.witnesses {
		s.wg.Add(1)
		go s.run(w)
	}
	s.Poke()
}

// Poke wakes every submitter; it never blocks.
func (s *Service) Poke() {
	for _, w := range s.witnesses {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// Close makes a last round of submissions (of the checkpoint signed at
// shutdown), bounded by ctx, then stops.
func (s *Service) Close(ctx context.Context) {
	s.once.Do(func() {
		if s.cancel == nil {
			return
		}
		s.cancel()
		s.wg.Wait()
		var wg sync.WaitGroup
		for _, w := range s.witnesses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.submit(ctx, w)
			}()
		}
		wg.Wait()
	})
}

func (s *Service) run(w *submitter) {
	defer s.wg.Done()
	var retry <-chan time.Time
	backoff := time.Duration(0)
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-w.wake:
		case <-retry:
		}
		if err := s.submit(s.ctx, w); err != nil {
			if s.ctx.Err() != nil {
				return
			}
			backoff = min(max(2*backoff, s.min), s.max)
			retry = time.After(backoff)
			continue
		}
		backoff, retry = 0, nil
	}
}

// refusal is a witness's answer that the checkpoint does not extend what
// it cosigned before.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

// submit brings the witness up to the latest checkpoint. A nil error
// means it holds a cosignature of it.
func (s *Service) submit(ctx context.Context, w *submitter) error {
	err := s.trySubmit(ctx, w)
	if err == nil || ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return err
	}
	w.mu.Lock()
	w.state.Failures++
	w.state.LastError = err.Error()
	var ref *refusal
	isRefusal := errors.As(err, &ref)
	if isRefusal {
		w.state.Refusals++
		w.state.Refused = true
		w.state.RefusedAt = s.now().UTC()
		w.state.RefusedReason = ref.reason
	}
	size := w.state.RefusedSize
	w.mu.Unlock()
	if isRefusal {
		s.log.Error("ALARM: a witness refused the log's checkpoint: its history differs from what the witness cosigned (a rewritten log or a split view)",
			"witness", w.Name, "url", w.URL, "size", size, "reason", ref.reason)
	} else {
		s.log.Warn("witness submission failed; retrying with back-off", "witness", w.Name, "url", w.URL, "err", err)
	}
	return err
}

func (s *Service) trySubmit(ctx context.Context, w *submitter) error {
	cp, err := s.db.LatestCheckpoint(ctx)
	if err != nil {
		return err
	}
	w.mu.Lock()
	old := w.known
	w.mu.Unlock()
	for _, c := range cp.Cosignatures {
		if c.Witness == w.Name {
			return nil // already cosigned
		}
	}
	// A 409 names the size the witness holds; the proof is made again
	// from it. Two in a row mean another client is feeding it: try again
	// later.
	for range 3 {
		if old > cp.Size {
			w.setRefusedSize(cp.Size)
			return &refusal{fmt.Sprintf("the witness has cosigned a checkpoint of size %d, larger than the log's latest (%d): the log was rolled back", old, cp.Size)}
		}
		var proof tlog.TreeProof
		if old > 0 { // from the empty tree the proof is empty
			if proof, err = s.db.ConsistencyProof(ctx, old, cp.Size); err != nil {
				return fmt.Errorf("consistency proof from %d to %d: %w", old, cp.Size, err)
			}
		}
		status, body, err := s.post(ctx, w, addCheckpointBody(old, proof, cp.Signed))
		if err != nil {
			return err
		}
		switch status {
		case http.StatusOK:
			cosigs, err := parseCosignatures(body, cp.Signed, w.verifier)
			if err != nil {
				return fmt.Errorf("the witness's answer: %w", err)
			}
			for _, c := range cosigs {
				if err := s.db.AddCosignature(ctx, store.Cosignature{Size: cp.Size, Witness: w.Name, Line: c.line, SignedAt: c.signedAt, ReceivedAt: s.now()}); err != nil {
					return err
				}
			}
			w.mu.Lock()
			w.known = cp.Size
			w.state.CosignedSize, w.state.CosignedAt = cp.Size, cosigs[0].signedAt
			w.state.LastError, w.state.Refused = "", false
			w.mu.Unlock()
			s.log.Info("witness cosigned", "witness", w.Name, "size", cp.Size, "old_size", old)
			return s.updatePublished(ctx)
		case http.StatusConflict:
			n, err := parseSizeBody(body)
			if err != nil {
				return err
			}
			w.mu.Lock()
			w.known = n
			w.mu.Unlock()
			old = n
			continue
		case http.StatusUnprocessableEntity:
			w.setRefusedSize(cp.Size)
			return &refusal{fmt.Sprintf("checkpoint of size %d (proof from %d) refused: %s", cp.Size, old, snippet(body))}
		default:
			return fmt.Errorf("the witness answered %d: %s", status, snippet(body))
		}
	}
	return fmt.Errorf("the witness's latest size keeps changing (409 three times)")
}

func (w *submitter) setRefusedSize(n int64) {
	w.mu.Lock()
	w.state.RefusedSize = n
	w.mu.Unlock()
}

// maxAnswer bounds what is read of a witness's answer.
const maxAnswer = 64 << 10

func (s *Service) post(ctx context.Context, w *submitter, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL+"/add-checkpoint", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return 0, nil, fmt.Errorf("read the witness's answer: %w", err)
	}
	w.mu.Lock()
	w.state.LastContact = s.now().UTC()
	w.mu.Unlock()
	return resp.StatusCode, answer, nil
}

// snippet is the start of a witness's answer, for messages.
func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		b = append(b[:200:200], "…"...)
	}
	return fmt.Sprintf("%q", b)
}

// updatePublished finds the latest checkpoint whose cosignatures meet the
// policy.
func (s *Service) updatePublished(ctx context.Context) error {
	sizes, err := s.db.CosignedSizes(ctx, 16)
	if err != nil {
		return err
	}
	for _, n := range sizes {
		if n <= s.published.Load() {
			return nil
		}
		cp, err := s.db.CheckpointAt(ctx, n)
		if err != nil {
			return err
		}
		if _, err := s.policy.Check(cp.Note); err == nil {
			for {
				cur := s.published.Load()
				if n <= cur || s.published.CompareAndSwap(cur, n) {
					return nil
				}
			}
		}
	}
	return nil
}

// Published returns the latest checkpoint the policy's quorum cosigned,
// with its cosignatures; when none is yet, the latest signed one (ok is
// false then).
//
// Another server on the same database may be the one that signs and
// submits: what its witnesses cosigned is read from the database here, so
// every server publishes the same checkpoint.
func (s *Service) Published(ctx context.Context) (cp store.SignedCheckpoint, ok bool, err error) {
	if err := s.updatePublished(ctx); err != nil {
		return store.SignedCheckpoint{}, false, err
	}
	if n := s.published.Load(); n >= 0 {
		cp, err := s.db.CheckpointAt(ctx, n)
		return cp, err == nil, err
	}
	cp, err = s.db.LatestCheckpoint(ctx)
	return cp, false, err
}

// statuses copies every witness's state.
func (s *Service) statuses() []Status {
	out := make([]Status, 0, len(s.witnesses))
	for _, w := range s.witnesses {
		w.mu.Lock()
		out = append(out, w.state)
		w.mu.Unlock()
	}
	return out
}
