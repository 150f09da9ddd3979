package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/store"
)

// EntityReport is the change log's entity for issued reports.
const EntityReport = "report"

// IssuedFile is one rendered file of an issued report.
type IssuedFile struct {
	Format string `json:"format"`
	Lang   string `json:"lang,omitempty" doc:"the language of the file; absent (English) on reports issued before reports spoke several"`
	Name   string `json:"name,omitempty" doc:"csv: the table"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// IssuedBody is an issued report as the change log holds it.
type IssuedBody struct {
	Kind       string       `json:"kind"`
	Number     string       `json:"number,omitempty"`
	Title      string       `json:"title"`
	Edition    string       `json:"edition"`
	Request    Request      `json:"request"`
	Period     Period       `json:"period"`
	DataSHA256 string       `json:"data_sha256"`
	LogSeq     int64        `json:"log_seq"`
	IssuedAt   time.Time    `json:"issued_at"`
	Files      []IssuedFile `json:"files"`
	// Checkpoint is the checkpoint the footer prints: the latest signed
	// before the report was issued. Absent from reports issued before
	// footers named one, and when the log had none.
	Checkpoint *PrintedCheckpoint `json:"checkpoint,omitempty"`
	access.Label
}

// PrintedCheckpoint is a signed checkpoint as an issued report names it.
type PrintedCheckpoint struct {
	Size int64  `json:"size"`
	Root string `json:"root" doc:"the tree's root hash, 64 hex digits"`
}

// BundlePath is where the proof bundle of issued report id is served.
func BundlePath(id string) string { return "/api/v1/reports/" + id + "/bundle" }

// Issued is an issued report with its id.
type Issued struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	IssuedBody
}

// Resource is the policy's view of an issued report.
func (b IssuedBody) Resource() access.Resource { return kindReport.Of(b.Label) }

func issuedRows(id string, b *IssuedBody) (map[string][][]any, error) {
	files := make([][]any, 0, len(b.Files))
	for _, f := range b.Files {
		files = append(files, []any{id, f.Format, f.Name, f.SHA256, f.Size})
	}
	return map[string][][]any{
		"reports": {{id, b.Kind, b.Number, b.Edition, b.Period.From.UTC().Format(timeText), b.Period.To.UTC().Format(timeText),
			b.DataSHA256, b.LogSeq, b.IssuedAt.UTC().Format(changeTime), string(b.Classification), b.OwnerOrg}},
		"report_files":   files,
		"report_readers": b.ReaderRows(id),
	}, nil
}

// RegisterProjection registers the issued reports' projection with db.
func RegisterProjection(db *store.DB) {
	db.Register(store.Typed(EntityReport, []store.Table{
		{Name: "reports", Columns: []string{"id", "kind", "number", "edition", "period_from", "period_to", "data_sha256", "log_seq", "issued_at", "classification", "owner_org"}},
		{Name: "report_files", Columns: []string{"report_id", "format", "name", "sha256", "size"}},
		{Name: "report_readers", Columns: []string{"record_id", "org_id"}},
	}, issuedRows))
}

func (s *Service) fileDir() string { return filepath.Join(s.db.Dir(), "reports") }

func (s *Service) filePath(sum string) string {
	return filepath.Join(s.fileDir(), sum[:2], sum[2:])
}

// storeFile writes data under its SHA-256 (content-addressed: the same
// bytes are one file) and returns the hash.
func (s *Service) storeFile(data []byte) (string, error) {
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	final := s.filePath(sum)
	if _, err := os.Stat(final); err == nil {
		return sum, nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(final), ".report-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Link(tmp.Name(), final); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	return sum, nil
}

// Rendered is one rendered file.
type Rendered struct {
	Data      []byte
	MediaType string
	Filename  string
}

var mediaTypes = map[string]string{
	FormatJSON: "application/json",
	FormatHTML: "text/html; charset=utf-8",
	FormatPDF:  "application/pdf",
	FormatCSV:  "text/csv; charset=utf-8",
}

// Render renders a report in a format (csv: the table named, "" for the
// first) with the given footer.
func Render(rep *Report, format, table string, f Footer) (Rendered, error) {
	var data []byte
	var err error
	if f.Lang == "" {
		f.Lang = rep.Lang
	}
	switch format {
	case FormatJSON:
		data, err = JSON(rep)
	case FormatHTML:
		data, err = HTML(rep, f)
	case FormatPDF:
		data, err = PDF(rep, f)
	case FormatCSV:
		data, err = CSV(rep, table)
	default:
		return Rendered{}, errs.Invalid("format", "must be html, pdf, json or csv")
	}
	if err != nil {
		return Rendered{}, err
	}
	name := rep.ID
	if format == FormatCSV && table != "" {
		name += "-" + table
	}
	return Rendered{Data: data, MediaType: mediaTypes[format], Filename: name + "." + format}, nil
}

// Draft renders a generated (not issued) report: the footer carries its
// data hash and says it is not issued.
func Draft(rep *Report, format, table string) (Rendered, error) {
	data, err := JSON(rep)
	if err != nil {
		return Rendered{}, err
	}
	if format == FormatJSON {
		return Render(rep, format, table, Footer{})
	}
	// A draft's PDF is dated by its data, never by the clock: the end of
	// its period (the same data gives the same file).
	return Render(rep, format, table, Footer{Number: rep.Number, DataSHA256: DataHash(data), IssuedAt: rep.Period.To.UTC().Format(footerTime)})
}

// Lookup returns the issued report id if p may read it; ok false when it
// is not issued.
func (s *Service) Lookup(ctx context.Context, p access.Principal, id string) (Issued, bool, error) {
	body, v, err := s.db.Body(ctx, EntityReport, id)
	if errs.CodeOf(err) == errs.CodeNotFound || store.IsNoRows(err) {
		return Issued{}, false, nil
	}
	if err != nil {
		return Issued{}, false, err
	}
	is := Issued{ID: id, Version: v}
	if err := store.DecodeBody(body, &is.IssuedBody); err != nil {
		return Issued{}, false, fmt.Errorf("report %s: %w", id, err)
	}
	if err := access.Decide(p, access.Read, is.Resource()); err != nil {
		return Issued{}, false, err
	}
	return is, true, nil
}

// Open returns a stored file of an issued report in a language ("" is
// the default; a report issued before reports spoke several languages has
// English files only).
func (s *Service) Open(is Issued, format, table, lang string) (Rendered, error) {
	lang, ok := SupportedLang(lang)
	if !ok {
		return Rendered{}, errs.Invalid("lang", "must be one of %s", strings.Join(Languages(), ", "))
	}
	// A report issued before reports spoke several languages has its
	// files in English only: they are its files in every language.
	if !slices.ContainsFunc(is.Files, func(f IssuedFile) bool { return f.Lang != "" }) {
		lang = DefaultLang
	}
	for _, f := range is.Files {
		fl := f.Lang
		if fl == "" {
			fl = DefaultLang
		}
		// A CSV without a table named is the report's first table.
		if f.Format == format && fl == lang && (format != FormatCSV || f.Name == table || table == "") {
			data, err := os.ReadFile(s.filePath(f.SHA256))
			if err != nil {
				return Rendered{}, fmt.Errorf("issued report %s %s: %w", is.ID, format, err)
			}
			if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != f.SHA256 {
				return Rendered{}, fmt.Errorf("issued report %s: the stored %s file does not match its hash", is.ID, format)
			}
			name := is.ID
			if f.Lang != "" && f.Lang != DefaultLang {
				name += "." + f.Lang
			}
			if f.Name != "" {
				name += "-" + f.Name
			}
			return Rendered{Data: data, MediaType: mediaTypes[format], Filename: name + "." + format}, nil
		}
	}
	if format == FormatCSV {
		return Rendered{}, errs.Invalid("table", "no table %q in this report", table)
	}
	for _, f := range is.Files {
		if f.Format == format {
			return Rendered{}, errs.Invalid("lang", "report %s was not issued in %s", is.ID, lang)
		}
	}
	return Rendered{}, errs.Invalid("format", "must be html, pdf, json or csv")
}

// Issue freezes the report id: generated as every reader of its edition
// may read it (not with the issuing co-chair's own reach), every
// format rendered with the footer that names the log position, the files
// stored by hash and their hashes recorded as a change. Issuing twice is a
// conflict.
func (s *Service) Issue(ctx context.Context, p access.Principal, id string) (Issued, error) {
	req, err := ParseID(id)
	if err != nil {
		return Issued{}, err
	}
	label := issueLabel(p, req.Edition)
	if err := access.Decide(p, access.Create, kindReport.Of(label)); err != nil {
		if errs.CodeOf(err) == errs.CodeForbidden {
			return Issued{}, errs.Forbidden("only a co-chair may issue a report")
		}
		return Issued{}, err
	}
	if _, ok, err := s.Lookup(ctx, p, id); err != nil {
		return Issued{}, err
	} else if ok {
		return Issued{}, errs.Conflict("id", "report %s is already issued; an issued report never changes", id)
	}
	req.Format = FormatJSON
	// An issued edition is served to every reader its label admits, so it
	// holds only what every one of them may read: generated as a reader
	// with no organisation and no personal reach, never with the issuer's
	// restricted material.
	everyReader := access.Principal{UserID: p.UserID, Username: p.Username, Roles: []access.Role{access.Observer}, Via: p.Via}
	rep, err := s.Generate(ctx, everyReader, req)
	if err != nil {
		return Issued{}, err
	}
	b := IssuedBody{Kind: rep.Kind, Title: rep.Title, Edition: rep.Edition, Request: req, Period: rep.Period, Label: label}
	b.Request.Format, b.Request.Lang = "", ""
	loc, err := time.LoadLocation(rep.Period.Zone)
	if err != nil {
		loc = time.UTC
	}
	year := rep.Period.To.In(loc).Year()
	var rec store.Recorded
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		if v, err := tx.CurrentVersion(EntityReport, id); err != nil {
			return err
		} else if v > 0 {
			return errs.Conflict("id", "report %s is already issued; an issued report never changes", id)
		}
		// The number: under the log's write lock, so that two issues
		// racing cannot take the same one.
		var err error
		if b.Number, err = nextNumber(tx, rep, year); err != nil {
			return err
		}
		if err := checkNumberFree(tx, b.Number); err != nil {
			return err
		}
		// The footer names this change's position in the log: the next
		// seq, known under the write lock.
		if err := tx.QueryRow(`SELECT COALESCE(MAX(seq) + 1, 0) FROM changes`).Scan(&b.LogSeq); err != nil {
			return err
		}
		b.IssuedAt = tx.Now().UTC()
		// The footer names the latest checkpoint signed before this
		// change: the tree its leaf will extend (see Footer).
		if b.Checkpoint, err = s.lastCheckpoint(tx); err != nil {
			return err
		}
		b.Files = nil
		// Every language, every format, under the one number; each
		// file's hash in this change. The first language's data hash is
		// the report's.
		for _, lang := range Languages() {
			lrep := *rep
			lrep.Number = b.Number
			if err := relocalize(&lrep, rep, lang); err != nil {
				return err
			}
			data, err := JSON(&lrep)
			if err != nil {
				return err
			}
			dataSum := DataHash(data)
			if lang == DefaultLang {
				b.DataSHA256, b.Title = dataSum, lrep.Title
			}
			f := Footer{Number: b.Number, DataSHA256: dataSum, Issued: true, LogSeq: b.LogSeq, IssuedAt: b.IssuedAt.Format(footerTime),
				Checkpoint: b.Checkpoint, ProofPath: BundlePath(id), Lang: lang}
			add := func(format, name string, data []byte) error {
				sum, err := s.storeFile(data)
				if err != nil {
					return err
				}
				b.Files = append(b.Files, IssuedFile{Format: format, Lang: lang, Name: name, SHA256: sum, Size: int64(len(data))})
				return nil
			}
			if err := add(FormatJSON, "", data); err != nil {
				return err
			}
			for _, format := range []string{FormatHTML, FormatPDF} {
				r, err := Render(&lrep, format, "", f)
				if err != nil {
					return err
				}
				if err := add(format, "", r.Data); err != nil {
					return err
				}
			}
			for _, t := range TableNames(&lrep) {
				c, err := CSV(&lrep, t)
				if err != nil {
					return err
				}
				if err := add(FormatCSV, t, c); err != nil {
					return err
				}
			}
		}
		rec, err = tx.Record(store.Change{Entity: EntityReport, ID: id, Version: 1, Actor: p.Actor(), Body: b, Public: b.Resource().Classification == access.Public})
		if err != nil {
			return err
		}
		if rec.Seq != b.LogSeq {
			return fmt.Errorf("issue report %s: log position %d, printed %d", id, rec.Seq, b.LogSeq)
		}
		return nil
	})
	if err != nil {
		return Issued{}, err
	}
	return Issued{ID: id, Version: rec.Version, IssuedBody: b}, nil
}

// footerTime is how a footer's IssuedAt is written.
const footerTime = "2006-01-02 15:04 UTC"

// relocalize makes dst, a shallow copy of src, the same report written in
// lang: the parts localize rewrites are copied deep first, so that src is
// left as it was.
func relocalize(dst, src *Report, lang string) error {
	data, err := json.Marshal(src)
	if err != nil {
		return err
	}
	var cp Report
	if err := json.Unmarshal(data, &cp); err != nil {
		return err
	}
	cp.Number, cp.orgNames = dst.Number, src.orgNames
	*dst = cp
	localize(dst, lang)
	return nil
}

// lastCheckpoint returns the latest signed checkpoint, as read in tx (so
// that no checkpoint signed after the report's change can be named), or
// nil when the log has none.
func (s *Service) lastCheckpoint(tx *store.Tx) (*PrintedCheckpoint, error) {
	var size int64
	var signed string
	err := tx.QueryRow(`SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&size, &signed)
	if store.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	keys := s.db.Keys()
	n, root, err := ledger.OpenCheckpoint([]byte(signed), keys.Origin, keys.Verifier)
	if err != nil {
		return nil, fmt.Errorf("the latest checkpoint (size %d): %w", size, err)
	}
	if n != size {
		return nil, fmt.Errorf("the checkpoint stored at size %d has size %d", size, n)
	}
	return &PrintedCheckpoint{Size: size, Root: hex.EncodeToString(root[:])}, nil
}

// Seq returns the log position of the issuing change of report id, which
// p may read.
func (s *Service) Seq(ctx context.Context, p access.Principal, id string) (int64, error) {
	if _, ok, err := s.Lookup(ctx, p, id); err != nil || !ok {
		if err == nil {
			err = errs.NotFound("report %s is not issued", id)
		}
		return 0, err
	}
	var seq int64
	err := s.db.QueryRow(ctx, `SELECT seq FROM changes WHERE entity = ? AND id = ? AND version = 1`, EntityReport, id).Scan(&seq)
	if store.IsNoRows(err) {
		return 0, errs.NotFound("report %s is not issued", id)
	}
	return seq, err
}

// Fetch returns report id in a format and language: the stored file once issued,
// otherwise a draft generated now as p reads it.
func (s *Service) Fetch(ctx context.Context, p access.Principal, id, format, table, lang string) (Rendered, error) {
	req, err := ParseID(id)
	if err != nil {
		return Rendered{}, err
	}
	if format == "" {
		format = FormatJSON
	}
	if !p.Authenticated() {
		// Without an account: an issued public report's files, never a
		// draft generated on request (that is for readers signed in, or
		// GET /api/v1/reports under --public-view).
		is, ok, err := s.Lookup(ctx, p, id)
		if err != nil {
			return Rendered{}, err
		}
		if !ok {
			return Rendered{}, errs.Unauthenticated("report %s is not issued: sign in to generate it", id)
		}
		return s.Open(is, format, table, lang)
	}
	if _, err := readerFor(p, req.Edition); err != nil {
		return Rendered{}, err
	}
	if is, ok, err := s.Lookup(ctx, p, id); err != nil {
		return Rendered{}, err
	} else if ok {
		return s.Open(is, format, table, lang)
	}
	req.Format, req.Lang = format, lang
	rep, err := s.Generate(ctx, p, req)
	if err != nil {
		return Rendered{}, err
	}
	return Draft(rep, format, table)
}

// issueLabel is the label a report of edition issued by p carries.
func issueLabel(p access.Principal, edition string) access.Label {
	cls := access.Public
	if edition == EditionMission {
		cls = access.Mission
	}
	return access.Label{Classification: cls, OwnerOrg: p.Org}
}

// MayIssue reports whether p may issue a report of edition; forms ask
// before offering it.
func MayIssue(p access.Principal, edition string) bool {
	return access.Decide(p, access.Create, kindReport.Of(issueLabel(p, edition))) == nil
}

// MayReadMission reports whether p may ask for the mission edition.
func MayReadMission(p access.Principal) bool {
	return access.CanRead(p, kindReport.Of(access.Label{Classification: access.Mission}))
}
