package proof_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/agreement"
	"github.com/truce-monitoring/truce/internal/app"
	"github.com/truce-monitoring/truce/internal/audit"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/pgtest"
	"github.com/truce-monitoring/truce/internal/proof"
	"github.com/truce-monitoring/truce/internal/report"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/witness"
)

// TestMain runs the tests on SQLite, then on PostgreSQL (pgtest.Main).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var cochair = access.Principal{UserID: "usr_cochair", Username: "cochair", Org: "org_centre", Roles: []access.Role{access.CoChair}, Via: "cli"}

// fixture is a real Truce (store, services, registry) in a temporary
// directory, with no server: the bundles are made by the same service the
// API calls.
type fixture struct {
	t   *testing.T
	app *app.App
	dir string
	db  string // PostgreSQL URL in the PostgreSQL run
	n   int
}

func open(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	pg := pgtest.Database(t, dir)
	a, err := app.Open(context.Background(), app.Config{Dir: dir, Database: pg, Synchronous: "normal", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return &fixture{t: t, app: a, dir: dir, db: pg}
}

// write records organisations, public ones then committed ones, and signs
// a checkpoint of the whole log.
func (f *fixture) write(public, committed int) {
	f.t.Helper()
	ctx := context.Background()
	actor := store.Actor{User: "usr_test", Org: "org_test", Via: "cli"}
	_, err := f.app.DB.Write(ctx, func(tx *store.Tx) error {
		for i := range public + committed {
			f.n++
			body := agreement.OrganisationBody{Name: fmt.Sprintf("Outlet %d", f.n), ShortName: fmt.Sprintf("O%d", f.n), Kind: "media", Country: "GE"}
			if _, err := tx.Record(store.Change{Entity: "organisation", ID: fmt.Sprintf("org_t_%06d", f.n), Version: 1, Actor: actor, Body: body, Public: i < public}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.app.DB.Checkpoint(ctx); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) keys() proof.Keys { return proof.Keys{Log: f.app.DB.Keys().Verifier} }

// sql runs a statement on the database behind the application's back, as
// the witness client will when it stores cosignatures.
func (f *fixture) sql(stmt string, args ...any) {
	f.t.Helper()
	if f.db != "" {
		for _, a := range args {
			stmt = strings.Replace(stmt, "?", "'"+strings.ReplaceAll(fmt.Sprint(a), "'", "''")+"'", 1)
		}
		pgtest.Exec(f.t, f.db, stmt)
		return
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.dir, store.DBFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt, args...); err != nil {
		f.t.Fatal(err)
	}
}

// everyByteChanged checks that the bundle verifies and that changing any
// one byte of it, in any of several ways, makes it fail.
func everyByteChanged(t *testing.T, b []byte, keys proof.Keys, files []proof.File) {
	t.Helper()
	if _, err := proof.Verify(b, keys, files); err != nil {
		t.Fatalf("the bundle as served: %v\n%s", err, b)
	}
	c := make([]byte, len(b))
	for i := range b {
		for _, x := range []byte{0x01, 0x02, 0x04, 0x20, 0x80} {
			copy(c, b)
			c[i] ^= x
			if _, err := proof.Verify(c, keys, files); err == nil {
				t.Fatalf("byte %d changed from %q to %q: accepted\n%s", i, b[i], c[i], c)
			} else if !errors.Is(err, proof.ErrFailed) {
				t.Fatalf("byte %d: %v does not say the proof fails", i, err)
			}
		}
	}
}

func TestRecordBundle(t *testing.T) {
	f := open(t)
	f.write(3, 2)
	ctx := context.Background()
	b, err := f.app.API.Proofs.Record(ctx, access.Anonymous, 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := proof.Verify(b, f.keys(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || res.Change == nil || res.Change.Entity != "organisation" || res.Change.ID != "org_t_000002" || !res.BodyChecked || res.Index != 1 || res.Size != 5 {
		t.Fatalf("result %+v", res)
	}
	everyByteChanged(t, b, f.keys(), nil)

	// Another log's key proves nothing.
	other := open(t)
	if _, err := proof.Verify(b, other.keys(), nil); !errors.Is(err, proof.ErrFailed) {
		t.Fatalf("with another log's key: %v", err)
	}
	// Files are for reports.
	if _, err := proof.Verify(b, f.keys(), []proof.File{{Name: "x", Data: []byte("x")}}); !errors.Is(err, proof.ErrFailed) {
		t.Fatalf("a file beside a record's bundle: %v", err)
	}
}

// A change not yet in a signed checkpoint gets one signed for its bundle.
func TestRecordBundleSignsACheckpoint(t *testing.T) {
	f := open(t)
	f.write(1, 0)
	ctx := context.Background()
	_, err := f.app.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Record(store.Change{Entity: "organisation", ID: "org_late", Version: 1, Actor: store.Actor{User: "usr_test", Via: "cli"},
			Body: agreement.OrganisationBody{Name: "Late", Kind: "media"}, Public: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.app.API.Proofs.Record(ctx, access.Anonymous, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := proof.Verify(b, f.keys(), nil); err != nil || res.Size != 2 {
		t.Fatalf("%+v %v", res, err)
	}
}

// A committed leaf: its reader gets the opening and the body; someone who
// may not read the record gets what a seq beyond the log gets.
func TestMissionReportBundle(t *testing.T) {
	f := open(t)
	f.write(2, 2)
	ctx := context.Background()
	id := "daily-2021-06-12-mission"
	is, err := f.app.Reports.Issue(ctx, cochair, id)
	if err != nil {
		t.Fatal(err)
	}
	f.write(1, 1)
	b, err := f.app.API.Proofs.Report(ctx, cochair, id)
	if err != nil {
		t.Fatal(err)
	}
	res, err := proof.Verify(b, f.keys(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Committed || !res.Opened || !res.BodyChecked || res.Report == nil || res.Report.Body.DataSHA256 != is.DataSHA256 || res.Index != is.LogSeq {
		t.Fatalf("result %+v", res)
	}
	if res.Report.PrintedSize != 4 {
		t.Fatalf("printed checkpoint %d, want 4 (the latest before the report)", res.Report.PrintedSize)
	}
	if _, err := f.app.API.Proofs.Report(ctx, access.Anonymous, id); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("anonymous: %v", err)
	}
	if _, err := f.app.API.Proofs.Record(ctx, access.Anonymous, is.LogSeq); errs.CodeOf(err) != errs.CodeUnauthenticated {
		t.Fatalf("anonymous by seq: %v", err)
	}
}

func TestPublicReportBundle(t *testing.T) {
	f := open(t)
	f.write(3, 1)
	ctx := context.Background()
	id := "daily-2021-06-12-public"
	is, err := f.app.Reports.Issue(ctx, cochair, id)
	if err != nil {
		t.Fatal(err)
	}
	f.write(2, 3)
	// Without an account: the bundle and the files.
	b, err := f.app.API.Proofs.Report(ctx, access.Anonymous, id)
	if err != nil {
		t.Fatal(err)
	}
	var files []proof.File
	for _, format := range []string{report.FormatPDF, report.FormatJSON, report.FormatHTML} {
		r, err := f.app.Reports.Fetch(ctx, access.Anonymous, id, format, "", "")
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, proof.File{Name: r.Filename, Data: r.Data})
	}
	res, err := proof.Verify(b, f.keys(), files)
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || res.Report == nil || len(res.Report.Files) != 3 || res.Report.PrintedSize != 4 || res.Size != 10 {
		t.Fatalf("result %+v", res)
	}
	if res.Report.Files[0].Format != "pdf" || res.Report.Body.LogSeq != is.LogSeq {
		t.Fatalf("files %+v", res.Report.Files)
	}
	// The footer prints what the bundle proves: the log entry, the
	// checkpoint before and its root's prefix, and where the proof is.
	html := string(files[2].Data)
	root := hex.EncodeToString(res.Report.PrintedRoot[:])
	for _, want := range []string{fmt.Sprintf("log entry %d", is.LogSeq), "after checkpoint 4 root " + root[:report.RootPrefixLen], "proof /api/v1/reports/" + id + "/bundle"} {
		if !strings.Contains(html, want) {
			t.Errorf("the footer does not print %q", want)
		}
	}
	// A changed file is not one of the report's.
	bad := append([]byte(nil), files[0].Data...)
	bad[len(bad)/2] ^= 1
	if _, err := proof.Verify(b, f.keys(), []proof.File{{Name: "changed.pdf", Data: bad}}); !errors.Is(err, proof.ErrFailed) {
		t.Fatalf("a changed PDF: %v", err)
	}
	everyByteChanged(t, b, f.keys(), files[1:2])
}

// cosign has a real witness cosign the log's latest checkpoint and stores
// the cosigned note as the centre will (the wclient branch): the bundle
// then carries the cosignature line.
func (f *fixture) cosign(name string) *witness.Witness {
	f.t.Helper()
	ctx := context.Background()
	keys := f.app.DB.Keys()
	w, err := witness.Open(ctx, witness.Config{Dir: f.t.TempDir(), Name: name, Logs: []witness.Log{{Origin: keys.Origin, Keys: []string{keys.Public}}}})
	if err != nil {
		f.t.Fatal(err)
	}
	cp, err := f.app.DB.LatestCheckpoint(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	line, err := w.AddCheckpoint(ctx, append([]byte("old 0\n\n"), cp.Note...))
	if err != nil {
		f.t.Fatal(err)
	}
	f.sql(`UPDATE checkpoints SET note = ? WHERE size = ?`, string(cp.Note)+string(line), cp.Size)
	return w
}

func TestCosignedBundle(t *testing.T) {
	f := open(t)
	f.write(2, 0)
	ctx := context.Background()
	w := f.cosign("witness.example/a")
	// The centre knows its witness's key and puts it in the bundle.
	svc := proof.New(f.app.DB, f.app.API.Records, f.app.Reports, proof.WithCosigners(func() []string { return []string{w.VerifierKey()} }))
	b, err := svc.Record(ctx, access.Anonymous, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\ncosigner "+w.VerifierKey()+"\n") {
		t.Fatalf("no cosigner key in\n%s", b)
	}
	res, err := proof.Verify(b, f.keys(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cosigners) != 1 || res.Cosigners[0].Name != "witness.example/a" || res.Cosigners[0].Policy != "" || res.Cosigners[0].Time.IsZero() {
		t.Fatalf("cosigners %+v", res.Cosigners)
	}
	everyByteChanged(t, b, f.keys(), nil)

	policy := func(text string) proof.Keys {
		p, err := audit.ParsePolicy([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return proof.Keys{Log: f.app.DB.Keys().Verifier, Policy: p}
	}
	trusted := policy("log " + f.app.DB.Keys().Public + "\nwitness a " + w.VerifierKey() + "\nquorum a\n")
	res, err = proof.Verify(b, trusted, nil)
	if err != nil || res.Quorum != "a" || res.Cosigners[0].Policy != "a" {
		t.Fatalf("with the policy: %+v %v", res, err)
	}
	everyByteChanged(t, b, trusted, nil)

	// A quorum the checkpoint does not meet.
	other, err := witness.Open(ctx, witness.Config{Dir: t.TempDir(), Name: "witness.example/b", Logs: []witness.Log{{Origin: f.app.DB.Keys().Origin, Keys: []string{f.app.DB.Keys().Public}}}})
	if err != nil {
		t.Fatal(err)
	}
	both := policy("witness a " + w.VerifierKey() + "\nwitness b " + other.VerifierKey() + "\ngroup both all a b\nquorum both\n")
	if _, err := proof.Verify(b, both, nil); !errors.Is(err, proof.ErrFailed) || !strings.Contains(err.Error(), "quorum") {
		t.Fatalf("quorum not met: %v", err)
	}

	// Without the witness's key in the bundle, a line no key checks is
	// refused unless the policy names the witness.
	plain, err := f.app.API.Proofs.Record(ctx, access.Anonymous, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proof.Verify(plain, f.keys(), nil); !errors.Is(err, proof.ErrFailed) || !strings.Contains(err.Error(), "no key given") {
		t.Fatalf("a cosignature no key checks: %v", err)
	}
	if _, err := proof.Verify(plain, trusted, nil); err != nil {
		t.Fatalf("with the policy: %v", err)
	}
	everyByteChanged(t, plain, trusted, nil)
}

// A policy's witness key that does not verify its line fails, even when
// the bundle's own key for that line does.
func TestCosignatureFromAnImpostor(t *testing.T) {
	f := open(t)
	f.write(1, 0)
	w := f.cosign("witness.example/a")
	impostor, err := witness.Open(context.Background(), witness.Config{Dir: t.TempDir(), Name: "witness.example/a", Logs: []witness.Log{{Origin: f.app.DB.Keys().Origin, Keys: []string{f.app.DB.Keys().Public}}}})
	if err != nil {
		t.Fatal(err)
	}
	svc := proof.New(f.app.DB, f.app.API.Records, f.app.Reports, proof.WithCosigners(func() []string { return []string{w.VerifierKey()} }))
	b, err := svc.Record(context.Background(), access.Anonymous, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := audit.ParsePolicy([]byte("witness a " + impostor.VerifierKey() + "\nquorum a\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proof.Verify(b, proof.Keys{Log: f.app.DB.Keys().Verifier, Policy: p}, nil); !errors.Is(err, proof.ErrFailed) {
		t.Fatalf("a policy naming another key for the witness: %v", err)
	}
}
