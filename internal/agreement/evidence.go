package agreement

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// Evidence links tie a provision to a record of a registry that shows it
// being carried out or broken: an exchange for provision 8, a return for
// provision 7, a crossing or a transit restriction for provisions 6 and 9,
// a minefield-record handover for confidence building, a statement, an
// incident. The provision's implementation view lists them, newest first.
//
// Records live in other packages, which this one does not import: each
// registers its kinds with RegisterEvidenceKind, giving a resolver that
// says whether a record exists, who may read it and how to describe it in
// one line.
//
// Who sees a link: whoever may read the linked record, decided when the
// link is read by the record's own access view. The link keeps no label of
// its own because a copy of the record's label would go stale when the
// record is reclassified, showing links to records that were hidden since,
// or hiding ones that were opened; and a link to a record one may not read
// would itself say that the record exists. Resolving costs one read per
// link, and a provision has tens of links, not thousands.

// Evidence links in the change log.
const (
	EntityEvidenceLink = "evidence_link"
	evidencePrefix     = "evd"
)

// EvidenceResolver describes a record of one kind for evidence links: its
// access view and a short description (one line, in the record's own
// words). A record that does not exist is errs.NotFound.
type EvidenceResolver func(ctx context.Context, id string) (access.Resource, string, error)

// evidenceKinds holds the resolvers registered per record kind; its zero
// value is ready to use.
type evidenceKinds struct {
	mu       sync.RWMutex
	resolver map[string]EvidenceResolver
}

// RegisterEvidenceKind lets records of kind be linked as evidence to
// provisions. Domain packages call it when they are built (or the
// application wires it); registering a kind again replaces its resolver.
func (s *Service) RegisterEvidenceKind(kind string, resolve EvidenceResolver) {
	s.evidence.mu.Lock()
	defer s.evidence.mu.Unlock()
	if s.evidence.resolver == nil {
		s.evidence.resolver = map[string]EvidenceResolver{}
	}
	s.evidence.resolver[kind] = resolve
}

// EvidenceKinds returns the kinds of record that can be linked, sorted.
func (s *Service) EvidenceKinds() []string {
	s.evidence.mu.RLock()
	defer s.evidence.mu.RUnlock()
	kinds := make([]string, 0, len(s.evidence.resolver))
	for k := range s.evidence.resolver {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return kinds
}

func (s *Service) evidenceResolver(kind string) (EvidenceResolver, bool) {
	s.evidence.mu.RLock()
	defer s.evidence.mu.RUnlock()
	r, ok := s.evidence.resolver[kind]
	return r, ok
}

// EvidenceLinkInput is an evidence link as a client sends it; the
// provision is the one in the path.
type EvidenceLinkInput struct {
	RecordKind string `json:"record_kind" doc:"the kind of the linked record: incident, statement, exchange, return, crossing, transit_restriction, handover, minefield, ... (those this server knows)"`
	RecordID   string `json:"record_id" doc:"the linked record's id"`
	Note       string `json:"note,omitempty" doc:"how the record bears on the provision"`
	At         string `json:"at,omitempty" doc:"RFC 3339: when the record bears on the provision (e.g. the exchange's date); the time of writing when absent"`
}

// EvidenceLinkBody is an evidence link's change body.
type EvidenceLinkBody struct {
	ProvisionID string    `json:"provision_id"`
	RecordKind  string    `json:"record_kind"`
	RecordID    string    `json:"record_id"`
	Note        string    `json:"note,omitempty"`
	At          time.Time `json:"at"`
}

// EvidenceLink is a link with its id and version, and the description of
// the linked record as its reader may see it.
type EvidenceLink struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	EvidenceLinkBody
	Description string `json:"description,omitempty" doc:"the linked record in one line, as the reader may read it"`
}

// body checks the input's shape; now fills an absent at.
func (in EvidenceLinkInput) body(provisionID string, now time.Time) (EvidenceLinkBody, error) {
	b := EvidenceLinkBody{ProvisionID: provisionID, RecordKind: in.RecordKind, RecordID: in.RecordID, Note: in.Note}
	if !isRecordKind(in.RecordKind) {
		return b, errs.Invalid("record_kind", "must be a kind of record such as incident or statement (lower-case letters and _, at most 32)")
	}
	if in.RecordID == "" {
		return b, errs.Invalid("record_id", "is required: the id of the %s", in.RecordKind)
	}
	if err := checkRecordRef("record_id", in.RecordID); err != nil {
		return b, err
	}
	if err := checkOptionalText("note", in.Note); err != nil {
		return b, err
	}
	at, err := parseOptionalTime("at", in.At)
	if err != nil {
		return b, err
	}
	if at.IsZero() {
		at = now
	}
	b.At = at.UTC().Truncate(time.Second)
	return b, nil
}

func isRecordKind(s string) bool {
	if s == "" || len(s) > 32 || s[0] == '_' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_') {
			return false
		}
	}
	return true
}

// resolveEvidence finds the linked record's resolver and asks it about
// the record. A kind nobody registered, a missing record and one p may not
// read are all invalid input; the last two say the same, so that linking
// reveals nothing about records one may not read.
func (s *Service) resolveEvidence(ctx context.Context, p access.Principal, kind, id string) (string, error) {
	resolve, ok := s.evidenceResolver(kind)
	if !ok {
		known := s.EvidenceKinds()
		return "", errs.Invalid("record_kind", "%q is not a kind of record this server links as evidence; record_kind must be one of: %s", kind, strings.Join(known, ", "))
	}
	res, desc, err := resolve(ctx, id)
	if errs.CodeOf(err) == errs.CodeNotFound || (err == nil && !access.CanRead(p, res)) {
		return "", errs.Invalid("record_id", "no %s %s", kind, id)
	}
	return desc, err
}

// AddEvidence links a registry record to provision provisionID as evidence
// of its implementation. The record must exist and p must be able to read
// it; a record is linked to a provision once.
func (s *Service) AddEvidence(ctx context.Context, p access.Principal, provisionID string, in EvidenceLinkInput) (EvidenceLink, error) {
	now := s.now()
	b, err := in.body(provisionID, now)
	if err != nil {
		return EvidenceLink{}, wrap("add evidence", err)
	}
	if err := access.Decide(p, access.Create, kindEvidenceLink.New()); err != nil {
		return EvidenceLink{}, wrap("add evidence", err)
	}
	if b.At.After(now.Add(clockSkew)) {
		return EvidenceLink{}, wrap("add evidence", errs.Invalid("at", "is in the future"))
	}
	if _, err := s.get(ctx, EntityProvision, provisionID); err != nil {
		return EvidenceLink{}, wrap("add evidence", err)
	}
	desc, err := s.resolveEvidence(ctx, p, b.RecordKind, b.RecordID)
	if err != nil {
		return EvidenceLink{}, wrap("add evidence", err)
	}
	id := s.db.NewID(evidencePrefix)
	var out EvidenceLink
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		var other string
		err := tx.QueryRow(`SELECT id FROM evidence_links WHERE provision_id = ? AND record_kind = ? AND record_id = ?`, provisionID, b.RecordKind, b.RecordID).Scan(&other)
		if err == nil {
			return errs.Conflict("record_id", "%s %s is already linked to provision %s (%s)", b.RecordKind, b.RecordID, provisionID, other)
		}
		if !store.IsNoRows(err) {
			return err
		}
		r, err := tx.Record(store.Change{Entity: EntityEvidenceLink, ID: id, Version: 1, Actor: p.Actor(), Body: b})
		if err != nil {
			return err
		}
		out = EvidenceLink{ID: id, Version: r.Version, EvidenceLinkBody: b, Description: desc}
		return nil
	})
	return out, wrap("add evidence", err)
}

// ListEvidence returns a page of the evidence of provision provisionID that
// p may read, newest first, each with the linked record's description.
func (s *Service) ListEvidence(ctx context.Context, p access.Principal, provisionID string, page store.PageRequest) (store.Page[EvidenceLink], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[EvidenceLink]{}, wrap("list evidence", err)
	}
	if len(keys) != 0 && len(keys) != 2 {
		return store.Page[EvidenceLink]{}, wrap("list evidence", errs.Invalid("cursor", "is not a cursor this server issued"))
	}
	if _, err := s.get(ctx, EntityProvision, provisionID); err != nil {
		return store.Page[EvidenceLink]{}, wrap("list evidence", err)
	}
	var items []EvidenceLink
	atOf := map[string]string{}
	// Links to records p may not read are dropped after resolving, so
	// rows are read in batches until the page is full or none are left.
	batch := limit + 1
	for len(items) <= limit {
		q := `SELECT r.id, r.at, c.version, c.body FROM (SELECT id, at FROM evidence_links WHERE provision_id = ?`
		args := []any{provisionID}
		if len(keys) == 2 {
			q += ` AND (at < ? OR (at = ? AND id < ?))`
			args = append(args, keys[0], keys[0], keys[1])
		}
		q += ` ORDER BY at DESC, id DESC LIMIT ?) r JOIN changes c ON c.entity = '` + EntityEvidenceLink + `' AND c.id = r.id
			AND c.version = (SELECT MAX(version) FROM changes m WHERE m.entity = c.entity AND m.id = r.id) ORDER BY r.at DESC, r.id DESC`
		args = append(args, batch)
		var got []EvidenceLink
		err := func() error {
			rows, err := s.db.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var l EvidenceLink
				var at string
				var body []byte
				if err := rows.Scan(&l.ID, &at, &l.Version, &body); err != nil {
					return err
				}
				keys = []string{at, l.ID}
				if err := store.DecodeBody(body, &l.EvidenceLinkBody); err != nil {
					return fmt.Errorf("evidence link %s: %w", l.ID, err)
				}
				atOf[l.ID] = at
				got = append(got, l)
			}
			return rows.Err()
		}()
		if err != nil {
			return store.Page[EvidenceLink]{}, wrap("list evidence", err)
		}
		// Resolve after the query is closed: resolvers read the database too.
		for _, l := range got {
			desc, ok, err := s.describeFor(ctx, p, l.RecordKind, l.RecordID)
			if err != nil {
				return store.Page[EvidenceLink]{}, wrap("list evidence", err)
			}
			if ok {
				l.Description = desc
				items = append(items, l)
			}
		}
		n := len(got)
		if n < batch {
			break
		}
	}
	return store.Paginate(items, limit, func(l EvidenceLink) []string { return []string{atOf[l.ID], l.ID} }), nil
}

// describeFor resolves a linked record for p: its description and whether
// p may see the link at all. A kind no longer registered, or a record
// gone, hides the link: nobody can say who may read it.
func (s *Service) describeFor(ctx context.Context, p access.Principal, kind, id string) (string, bool, error) {
	resolve, ok := s.evidenceResolver(kind)
	if !ok {
		return "", false, nil
	}
	res, desc, err := resolve(ctx, id)
	if errs.CodeOf(err) == errs.CodeNotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if !access.CanRead(p, res) {
		return "", false, nil
	}
	if desc == "" {
		desc = kind + " " + id
	}
	return desc, true, nil
}

// CountEvidence counts the evidence links of a provision that p may see.
func (s *Service) CountEvidence(ctx context.Context, p access.Principal, provisionID string) (int, error) {
	rows, err := s.db.Query(ctx, `SELECT record_kind, record_id FROM evidence_links WHERE provision_id = ?`, provisionID)
	if err != nil {
		return 0, wrap("count evidence", err)
	}
	var links [][2]string
	for rows.Next() {
		var l [2]string
		if err := rows.Scan(&l[0], &l[1]); err != nil {
			rows.Close()
			return 0, wrap("count evidence", err)
		}
		links = append(links, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, wrap("count evidence", err)
	}
	n := 0
	for _, l := range links {
		_, ok, err := s.describeFor(ctx, p, l[0], l[1])
		if err != nil {
			return 0, wrap("count evidence", err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// checkEvidenceLinks checks, inside a status event's write transaction,
// that every evidence item of kind link names a link of this provision.
func checkEvidenceLinks(tx *store.Tx, provisionID string, ev StatusEvent) error {
	for i, e := range ev.Evidence {
		if e.Kind != EvidenceLinkRef {
			continue
		}
		var of string
		err := tx.QueryRow(`SELECT provision_id FROM evidence_links WHERE id = ?`, e.Ref).Scan(&of)
		if store.IsNoRows(err) || (err == nil && of != provisionID) {
			return errs.Invalid(indexed("evidence", i)+".ref", "no evidence link %s of provision %s", e.Ref, provisionID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func evidenceRows(id string, b *EvidenceLinkBody) (map[string][][]any, error) {
	return map[string][][]any{
		"evidence_links": {{id, b.ProvisionID, b.RecordKind, b.RecordID, b.At.UTC().Format("2006-01-02T15:04:05Z")}},
	}, nil
}

// GetEvidence returns evidence link id when p may read the linked record;
// otherwise, as for a missing link, not found.
func (s *Service) GetEvidence(ctx context.Context, p access.Principal, id string) (EvidenceLink, error) {
	c, err := s.get(ctx, EntityEvidenceLink, id)
	if err != nil {
		return EvidenceLink{}, wrap("get evidence", err)
	}
	l := EvidenceLink{ID: id, Version: c.Version}
	if err := store.DecodeBody(c.body, &l.EvidenceLinkBody); err != nil {
		return EvidenceLink{}, wrap("get evidence", fmt.Errorf("evidence link %s: %w", id, err))
	}
	desc, ok, err := s.describeFor(ctx, p, l.RecordKind, l.RecordID)
	if err != nil {
		return EvidenceLink{}, wrap("get evidence", err)
	}
	if !ok {
		return EvidenceLink{}, wrap("get evidence", errs.NotFound("%s %s not found", EntityEvidenceLink, id))
	}
	l.Description = desc
	return l, nil
}
