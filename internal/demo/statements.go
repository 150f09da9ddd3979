package demo

import (
	"context"
	"fmt"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/statement"
)

// The statement of 31 August 2021 is a public fact (SCENARIO.md): at a
// joint press conference with Armenia's foreign minister, Russia's foreign
// minister said Russia was urging Azerbaijan at every level to release the
// remaining Armenian servicemen without conditions, and welcomed Armenia's
// handover of minefield maps. The summaries are the demo's own wording, not
// quotations. It was reported by news agencies in several languages, Arabic
// among them; the sources below stand for those reports, but their outlets,
// URLs and titles are invented and flagged illustrative. No article text
// was archived, so they carry no content hash.

var demoSources = []struct {
	key string
	in  statement.SourceInput
}{
	{"en", statement.SourceInput{Outlet: "English-language news agency (illustrative)", Date: "2021-08-31", Language: "en",
		URL:   "https://news-agency-en.example/2021/08/31/russia-urges-release-of-remaining-servicemen",
		Title: "Russia urges Azerbaijan to release remaining Armenian servicemen (illustrative headline)"}},
	{"ru", statement.SourceInput{Outlet: "Русскоязычное информационное агентство (иллюстративно)", Date: "2021-08-31", Language: "ru",
		URL:   "https://news-agency-ru.example/2021/08/31/osvobozhdenie-voennosluzhashchikh",
		Title: "Россия призывает Азербайджан освободить оставшихся армянских военнослужащих (иллюстративный заголовок)"}},
	{"ar", statement.SourceInput{Outlet: "وكالة أنباء باللغة العربية (توضيحي)", Date: "2021-08-31", Language: "ar",
		URL:   "https://news-agency-ar.example/2021/08/31/release-servicemen",
		Title: "روسيا تدعو أذربيجان إلى الإفراج عن العسكريين الأرمن المتبقين (عنوان توضيحي)"}},
}

var statementSummaries = []statement.Summary{
	{Language: "en", Text: "At a joint press conference with Armenia's foreign minister, Russia's foreign minister said that Russia is urging Azerbaijan, at every level, to release the remaining Armenian servicemen without conditions, and welcomed Armenia's handover of minefield maps."},
	{Language: "ru", Text: "На совместной пресс-конференции с министром иностранных дел Армении министр иностранных дел России сказал, что Россия на всех уровнях призывает Азербайджан освободить оставшихся армянских военнослужащих без условий, и приветствовал передачу Арменией карт минных полей."},
	{Language: "ar", Text: "في مؤتمر صحفي مشترك مع وزير خارجية أرمينيا، قال وزير الخارجية الروسي إن روسيا تحث أذربيجان على جميع المستويات على الإفراج عن العسكريين الأرمن المتبقين دون شروط، ورحّب بتسليم أرمينيا خرائط حقول الألغام."},
}

// loadStatements records the statement of 31 August 2021 with its sources
// as the demo's analyst, and links it as evidence to provision 8.
func loadStatements(ctx context.Context, s Services, l *Loaded) error {
	if s.Statements == nil {
		return nil
	}
	analyst := access.Principal{UserID: "demo-analyst", Username: "analyst", Org: l.Orgs["JMC"], OrgKind: "monitoring_centre",
		Roles: []access.Role{access.Analyst}, Via: "system"}
	for _, a := range l.Accounts {
		if a.Username == "analyst" {
			analyst.UserID = a.ID
		}
	}
	var sources []string
	for _, src := range demoSources {
		in := src.in
		in.Illustrative = true
		in.Notes = "Stands for the news agencies' reports of the statement; outlet, URL and title are invented (illustrative)."
		rec, err := s.Statements.RecordSource(ctx, analyst, in)
		if err != nil {
			return fmt.Errorf("source %s: %w", src.key, err)
		}
		sources = append(sources, rec.ID)
	}
	st, err := s.Statements.RecordStatement(ctx, analyst, statement.StatementInput{
		Speaker:      "Minister of Foreign Affairs of the Russian Federation",
		Organisation: l.Orgs["RU"],
		Date:         "2021-08-31",
		Language:     "ru",
		Summaries:    statementSummaries,
		Stance:       statement.StanceAppeal,
		Provisions:   []string{l.Provisions["8"]},
		Sources:      sources,
	})
	if err != nil {
		return fmt.Errorf("statement of 31 August 2021: %w", err)
	}
	if _, err := s.Agreements.AddEvidence(ctx, analyst, l.Provisions["8"], agreement.EvidenceLinkInput{
		RecordKind: statement.EntityStatement, RecordID: st.ID, At: "2021-08-31T00:00:00Z",
		Note: "A guarantor urges the release of the remaining detained servicemen: the exchange under provision 8 is not complete.",
	}); err != nil {
		return fmt.Errorf("statement of 31 August 2021 as evidence: %w", err)
	}
	return nil
}
