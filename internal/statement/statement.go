package statement

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// Stances: what a statement does.
const (
	StanceAppeal     = "appeal"     // urges someone to act
	StanceCommitment = "commitment" // undertakes to act
	StanceAccusation = "accusation" // says another broke the agreement
	StanceDenial     = "denial"     // rejects an accusation
	StanceWelcome    = "welcome"    // welcomes a step taken
)

// Stances lists every stance.
var Stances = []string{StanceAppeal, StanceCommitment, StanceAccusation, StanceDenial, StanceWelcome}

// Summary is a statement's summary in one language. Summaries are the
// mission's own short wording, never quotations.
type Summary struct {
	Language string `json:"language" doc:"BCP 47 tag, e.g. en, ru, ar"`
	Text     string `json:"text" doc:"any script, right-to-left included"`
}

// StatementInput is a statement as a client sends it.
type StatementInput struct {
	Speaker      string    `json:"speaker" doc:"who spoke: a name, or an office such as a ministry's spokesperson"`
	SpeakerTitle string    `json:"speaker_title,omitempty" doc:"the speaker's office"`
	Organisation string    `json:"organisation" doc:"organisation id the speaker spoke for"`
	Date         string    `json:"date" doc:"YYYY-MM-DD or RFC 3339; not in the future, but may precede the agreement it cites"`
	Language     string    `json:"language" doc:"BCP 47 tag of the language the statement was made in"`
	Summaries    []Summary `json:"summaries" doc:"at least one; one per language"`
	Stance       string    `json:"stance" doc:"appeal, commitment, accusation, denial or welcome"`
	Provisions   []string  `json:"provisions,omitempty" doc:"ids of the provisions it concerns"`
	Sources      []string  `json:"sources,omitempty" doc:"ids of the sources reporting it"`
	Illustrative bool      `json:"illustrative,omitempty" doc:"true for invented demo data"`
	access.LabelInput
}

// StatementBody is a statement as the change log holds it. BeforeAgreement
// is computed on write: the statement is dated before the signature of an
// agreement whose provision it cites (allowed: a call made before the
// agreement may still bear on it).
type StatementBody struct {
	Speaker         string    `json:"speaker"`
	SpeakerTitle    string    `json:"speaker_title,omitempty"`
	Organisation    string    `json:"organisation"`
	Date            time.Time `json:"date"`
	DatePrecision   string    `json:"date_precision" doc:"day or time"`
	Language        string    `json:"language"`
	Summaries       []Summary `json:"summaries"`
	Stance          string    `json:"stance"`
	Provisions      []string  `json:"provisions"`
	Sources         []string  `json:"sources"`
	BeforeAgreement bool      `json:"before_agreement"`
	Illustrative    bool      `json:"illustrative"`
	access.Label
}

// Statement is a statement with its id and version.
type Statement struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	StatementBody
}

// Resource is the policy's view of the statement.
func (b StatementBody) Resource() access.Resource { return kindStatement.Of(b.Label) }

// body checks the input's own shape and returns the body it makes, owned
// by owner. References to other records and the clock are checked on
// write.
func (in StatementInput) body(owner string) (StatementBody, error) {
	// Every field is checked, and every failure reported at once.
	var ec errs.Collector
	b := StatementBody{Speaker: in.Speaker, SpeakerTitle: in.SpeakerTitle, Organisation: in.Organisation, Stance: in.Stance, Illustrative: in.Illustrative}
	if err := text.CheckName("speaker", in.Speaker, MaxName); err != nil {
		ec.Add(err)
	}
	if in.SpeakerTitle != "" {
		if err := text.CheckName("speaker_title", in.SpeakerTitle, MaxName); err != nil {
			ec.Add(err)
		}
	}
	if err := checkRef("organisation", in.Organisation, "org", "an organisation"); err != nil {
		ec.Add(err)
	}
	var err error
	if b.Date, b.DatePrecision, err = parseDate("date", in.Date); err != nil {
		ec.Add(err)
	}
	if b.Language, err = parseLanguage("language", in.Language); err != nil {
		ec.Add(err)
	}
	if len(in.Summaries) == 0 {
		ec.Add(errs.Because(errs.Invalid("summaries", "is required: at least one summary, e.g. [{\"language\":\"en\",\"text\":\"...\"}]"), errs.ReasonRequired))
	}
	if len(in.Summaries) > MaxSummary {
		ec.Add(errs.Invalid("summaries", "has %d summaries; at most %d are allowed", len(in.Summaries), MaxSummary))
	}
	b.Summaries = make([]Summary, 0, len(in.Summaries))
	for i, sm := range in.Summaries {
		f := fmt.Sprintf("summaries[%d]", i)
		lang, err := parseLanguage(f+".language", sm.Language)
		if err != nil {
			ec.Add(err)
		}
		if slices.ContainsFunc(b.Summaries, func(o Summary) bool { return o.Language == lang }) {
			ec.Add(errs.Because(errs.Invalid(f+".language", "gives a second summary in %s", lang), errs.ReasonDuplicate))
		}
		if err := text.CheckText(f+".text", sm.Text, MaxText); err != nil {
			ec.Add(err)
		}
		b.Summaries = append(b.Summaries, Summary{Language: lang, Text: sm.Text})
	}
	if !slices.Contains(Stances, in.Stance) {
		ec.Add(errs.Because(errs.Invalid("stance", "must be one of %s", strings.Join(Stances, ", ")), errs.ReasonNotOneOf))
	}
	if err := checkRefList("provisions", in.Provisions, "prv", "a provision"); err != nil {
		ec.Add(err)
	}
	if err := checkRefList("sources", in.Sources, sourcePrefix, "a source"); err != nil {
		ec.Add(err)
	}
	b.Provisions = append([]string{}, in.Provisions...)
	b.Sources = append([]string{}, in.Sources...)
	b.Label, err = in.LabelInput.Label(access.Public, owner)
	ec.Add(err)
	return b, ec.Err()
}

// checkProvisions checks that every cited provision exists and sets
// BeforeAgreement. Provisions are never deleted, so checking before the
// write transaction is as good as inside it.
func (s *Service) checkProvisions(ctx context.Context, p access.Principal, b *StatementBody) error {
	b.BeforeAgreement = false
	signed := map[string]time.Time{}
	for i, id := range b.Provisions {
		pr, err := s.agreements.GetProvision(ctx, p, id)
		if errs.CodeOf(err) == errs.CodeNotFound {
			return errs.Invalid(fmt.Sprintf("provisions[%d]", i), "no provision %s", id)
		}
		if err != nil {
			return err
		}
		at, ok := signed[pr.AgreementID]
		if !ok {
			ag, err := s.agreements.GetAgreement(ctx, p, pr.AgreementID)
			if err != nil {
				return fmt.Errorf("agreement %s of provision %s: %w", pr.AgreementID, id, err)
			}
			at = ag.SignedAt
			signed[pr.AgreementID] = at
		}
		if b.Date.Before(at) {
			b.BeforeAgreement = true
		}
	}
	return nil
}

// checkWrite checks, inside the write transaction, the organisation, the
// sources (each must exist and be readable by the writer) and the date.
func (b StatementBody) checkWrite(tx *store.Tx, p access.Principal, now time.Time) error {
	if err := checkNotFuture("date", b.Date, now); err != nil {
		return err
	}
	if _, err := orgKind(tx, "organisation", b.Organisation); err != nil {
		return err
	}
	for i, id := range b.Sources {
		var src SourceBody
		_, err := tx.Current(EntitySource, id, &src)
		if err == nil && !access.CanRead(p, src.Resource()) {
			err = errs.NotFound("hidden")
		}
		if errs.CodeOf(err) == errs.CodeNotFound {
			return errs.Invalid(fmt.Sprintf("sources[%d]", i), "no source %s", id)
		}
		if err != nil {
			return err
		}
	}
	return checkReaders(tx, b.Label)
}

// RecordStatement records a statement.
func (s *Service) RecordStatement(ctx context.Context, p access.Principal, in StatementInput) (Statement, error) {
	return s.putStatement(ctx, p, "", 0, in)
}

// UpdateStatement replaces a statement with a new version.
func (s *Service) UpdateStatement(ctx context.Context, p access.Principal, id string, version int64, in StatementInput) (Statement, error) {
	return s.putStatement(ctx, p, id, version, in)
}

func (s *Service) putStatement(ctx context.Context, p access.Principal, id string, version int64, in StatementInput) (Statement, error) {
	op := "record statement"
	action := access.Create
	if id != "" {
		op, action = "update statement", access.Update
		// A record p may not read is not found, whatever p's roles, before
		// anything is said about the new version.
		if _, err := s.GetStatement(ctx, p, id); err != nil {
			return Statement{}, wrap(op, err)
		}
	}
	b, err := in.body(p.Org)
	if err != nil {
		return Statement{}, wrap(op, err)
	}
	if err := access.Decide(p, access.Create, b.Resource()); err != nil {
		return Statement{}, wrap(op, err)
	}
	now := s.now()
	if err := checkNotFuture("date", b.Date, now); err != nil {
		return Statement{}, wrap(op, err)
	}
	if err := s.checkProvisions(ctx, p, &b); err != nil {
		return Statement{}, wrap(op, err)
	}
	if id == "" {
		id = s.db.NewID(statementPrefix)
	}
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if action == access.Update {
			var old StatementBody
			have, err := tx.Current(EntityStatement, id, &old)
			if err != nil {
				return err
			}
			if err := access.Decide(p, access.Update, old.Resource()); err != nil {
				return err
			}
			if err := store.CheckVersion(EntityStatement, id, version, have); err != nil {
				return err
			}
			b.OwnerOrg = old.OwnerOrg
		}
		if err := b.checkWrite(tx, p, now); err != nil {
			return err
		}
		var err error
		rec, err = tx.Record(store.Change{Entity: EntityStatement, ID: id, Version: version + 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		return err
	})
	if err != nil {
		return Statement{}, wrap(op, err)
	}
	return Statement{ID: id, Version: rec.Version, StatementBody: b}, nil
}

// GetStatement returns a statement p may read.
func (s *Service) GetStatement(ctx context.Context, p access.Principal, id string) (Statement, error) {
	st := Statement{ID: id}
	v, err := s.db.Current(ctx, EntityStatement, id, &st.StatementBody)
	if err != nil {
		return Statement{}, wrap("get statement", err)
	}
	if err := access.Decide(p, access.Read, st.Resource()); err != nil {
		return Statement{}, wrap("get statement", err)
	}
	st.Version = v
	return st, nil
}

// StatementFilter narrows ListStatements; zero fields do not filter.
type StatementFilter struct {
	Organisation string
	Stance       string
	Provision    string // statements concerning this provision
	Source       string // statements reported by this source
	From, To     time.Time
	// Query finds statements whose summaries, in any language, contain it,
	// ignoring case and diacritics (internal/text Fold).
	Query string
}

// ListStatements returns a page of the statements p may read, newest
// first.
func (s *Service) ListStatements(ctx context.Context, p access.Principal, f StatementFilter, page store.PageRequest) (store.Page[Statement], error) {
	keys, limit, err := page.Keys()
	if err != nil {
		return store.Page[Statement]{}, wrap("list statements", err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Page[Statement]{}, wrap("list statements", err)
	}
	if conds, args, err = after("r.date_at", keys, conds, args); err != nil {
		return store.Page[Statement]{}, wrap("list statements", err)
	}
	q := `SELECT r.id, c.version, c.body, r.date_at FROM (SELECT r.id, r.date_at FROM statements r WHERE ` + joinAnd(conds) +
		` ORDER BY r.date_at DESC, r.id DESC LIMIT ?) r ` + s.db.Dialect().LatestJoin(EntityStatement) + ` ORDER BY r.date_at DESC, r.id DESC`
	args = append(args, limit+1)
	var items []Statement
	keyOf := map[string]string{}
	err = s.scan(ctx, q, args, func(id string, v int64, body []byte, key string) error {
		st := Statement{ID: id, Version: v}
		if err := store.DecodeBody(body, &st.StatementBody); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		keyOf[id] = key
		items = append(items, st)
		return nil
	})
	if err != nil {
		return store.Page[Statement]{}, wrap("list statements", err)
	}
	return store.Paginate(items, limit, func(st Statement) []string { return []string{keyOf[st.ID], st.ID} }), nil
}

// evidenceOf is the statement's view for package agreement's evidence
// links: its access view and a one-line description.
func (s *Service) evidenceOf(ctx context.Context, id string) (access.Resource, string, error) {
	var b StatementBody
	if _, err := s.db.Current(ctx, EntityStatement, id, &b); err != nil {
		return access.Resource{}, "", err
	}
	return b.Resource(), b.Describe(), nil
}

// Describe says in one line what the statement is: its stance, speaker and
// date, and its first summary cut short.
func (b StatementBody) Describe() string {
	d := fmt.Sprintf("%s by %s, %s", b.Stance, b.Speaker, formatDate(b.Date, b.DatePrecision))
	if len(b.Summaries) > 0 {
		d += ": " + cut(b.Summaries[0].Text, 160)
	}
	return d
}

// cut shortens s to at most n runes, ending with an ellipsis when cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func statementRows(id string, b *StatementBody) (map[string][][]any, error) {
	texts := make([]string, len(b.Summaries))
	for i, sm := range b.Summaries {
		texts[i] = sm.Text
	}
	before := 0
	if b.BeforeAgreement {
		before = 1
	}
	out := map[string][][]any{
		"statements": {{id, b.Organisation, b.Stance, b.Date.UTC().Format(timeText), b.Language, before,
			text.Fold(strings.Join(texts, "\n")), string(b.Classification), b.OwnerOrg}},
		"statement_readers": b.ReaderRows(id),
	}
	for _, pr := range b.Provisions {
		out["statement_provisions"] = append(out["statement_provisions"], []any{id, pr})
	}
	for _, src := range b.Sources {
		out["statement_sources"] = append(out["statement_sources"], []any{id, src})
	}
	return out, nil
}
