package statement

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// The numbered lists of statements and sources (issue 16): the same
// conditions as the cursor lists, a total, numbered pages and a few
// orders; the first of each is the default, latest first.

// StatementSorts are the orders of the numbered list of statements.
var StatementSorts = []string{"date", "stance"}

var statementSortColumns = map[string]string{"date": "r.date_at", "stance": "r.stance"}

// SourceSorts are the orders of the numbered list of sources.
var SourceSorts = []string{"published", "language"}

var sourceSortColumns = map[string]string{"published": "r.published_at", "language": "r.language"}

// conds is the filter as SQL conditions on statements r for p; a bad
// value names its field.
func (f StatementFilter) conds(p access.Principal) ([]string, []any, error) {
	cond, args := access.Filter(p, "r", "statement_readers")
	conds := []string{cond}
	if f.Organisation != "" {
		conds = append(conds, "r.organisation = ?")
		args = append(args, f.Organisation)
	}
	if f.Stance != "" {
		if !slices.Contains(Stances, f.Stance) {
			return nil, nil, errs.Because(errs.Invalid("stance", "must be one of %s", strings.Join(Stances, ", ")), errs.ReasonNotOneOf)
		}
		conds = append(conds, "r.stance = ?")
		args = append(args, f.Stance)
	}
	if f.Provision != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM statement_provisions sp WHERE sp.statement_id = r.id AND sp.provision_id = ?)")
		args = append(args, f.Provision)
	}
	if f.Source != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM statement_sources ss WHERE ss.statement_id = r.id AND ss.source_id = ?)")
		args = append(args, f.Source)
	}
	if f.Query != "" {
		if len(f.Query) > MaxName*4 {
			return nil, nil, errs.Invalid("q", "is longer than %d bytes", MaxName*4)
		}
		folded := text.Fold(f.Query)
		if folded == "" {
			return nil, nil, errs.Invalid("q", "has nothing to search for once case, accents and spacing are ignored")
		}
		conds = append(conds, `r.folded LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(folded)+"%")
	}
	return window("r.date_at", f.From, f.To, conds, args)
}

// conds is the filter as SQL conditions on sources r for p; a bad value
// names its field.
func (f SourceFilter) conds(p access.Principal) ([]string, []any, error) {
	cond, args := access.Filter(p, "r", "source_readers")
	conds := []string{cond}
	if f.OutletOrg != "" {
		conds = append(conds, "r.outlet_org = ?")
		args = append(args, f.OutletOrg)
	}
	if f.Language != "" {
		lang, err := parseLanguage("language", f.Language)
		if err != nil {
			return nil, nil, err
		}
		conds = append(conds, "r.language = ?")
		args = append(args, lang)
	}
	return window("r.published_at", f.From, f.To, conds, args)
}

// NumberedStatements returns page q of the statements p may read that
// meet f, with their total.
func (s *Service) NumberedStatements(ctx context.Context, p access.Principal, f StatementFilter, q store.ListQuery) (store.Numbered[Statement], error) {
	const op = "list statements"
	q, err := q.Check(StatementSorts, "date", true)
	if err != nil {
		return store.Numbered[Statement]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Numbered[Statement]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "statements", Entity: EntityStatement, Conds: conds, Args: args,
		Order: statementSortColumns[q.Sort], Then: "r.date_at", Desc: q.Desc}
	items, total, err := store.ReadNumbered(ctx, s.db, spec, q, func(scan func(...any) error) (Statement, error) {
		var st Statement
		var body []byte
		if err := scan(&st.ID, &st.Version, &body); err != nil {
			return st, err
		}
		if err := store.DecodeBody(body, &st.StatementBody); err != nil {
			return st, fmt.Errorf("%s: %w", st.ID, err)
		}
		return st, nil
	})
	if err != nil {
		return store.Numbered[Statement]{}, wrap(op, err)
	}
	return store.NumberedOf(items, total, q), nil
}

// NumberedSources returns page q of the sources p may read that meet f,
// with their total.
func (s *Service) NumberedSources(ctx context.Context, p access.Principal, f SourceFilter, q store.ListQuery) (store.Numbered[Source], error) {
	const op = "list sources"
	q, err := q.Check(SourceSorts, "published", true)
	if err != nil {
		return store.Numbered[Source]{}, wrap(op, err)
	}
	conds, args, err := f.conds(p)
	if err != nil {
		return store.Numbered[Source]{}, wrap(op, err)
	}
	spec := store.NumberedSpec{Table: "sources", Entity: EntitySource, Conds: conds, Args: args,
		Order: sourceSortColumns[q.Sort], Then: "r.published_at", Desc: q.Desc}
	items, total, err := store.ReadNumbered(ctx, s.db, spec, q, func(scan func(...any) error) (Source, error) {
		var src Source
		var body []byte
		if err := scan(&src.ID, &src.Version, &body); err != nil {
			return src, err
		}
		if err := store.DecodeBody(body, &src.SourceBody); err != nil {
			return src, fmt.Errorf("%s: %w", src.ID, err)
		}
		return src, nil
	})
	if err != nil {
		return store.Numbered[Source]{}, wrap(op, err)
	}
	return store.NumberedOf(items, total, q), nil
}
