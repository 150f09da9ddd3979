package incident

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
)

var pngBytes = append([]byte("\x89PNG\x0d\x0a\x1a\x0a"), bytes.Repeat([]byte{0}, 64)...)

// files lists what is under the attachment directory, temporary files
// included.
func files(t *testing.T, s *Service) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(s.attachmentDir(), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	return out
}

func TestAttachments(t *testing.T) {
	f := newFixture(t)
	f.s.maxAttachment = 1024
	ctx := context.Background()
	alg := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, f.allegationBy(f.sideA)))
	restricted := f.allegationBy(f.sideA)
	restricted.Classification = "restricted"
	algAOnly := must[Allegation](t)(f.s.LodgeAllegation(ctx, f.liaisonA, restricted))
	inc := must[Incident](t)(f.s.OpenIncident(ctx, f.analyst, IncidentInput{Title: "Fire", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 1000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"}}))

	in := func(kind, id, mediaType string) AttachmentInput {
		return AttachmentInput{RecordKind: kind, RecordID: id, MediaType: mediaType, Name: "photo.png"}
	}
	for _, c := range []struct {
		name  string
		p     access.Principal
		in    AttachmentInput
		file  []byte
		code  errs.Code
		field string
	}{
		{"type not allowed", f.liaisonA, in(EntityAllegation, alg.ID, "application/zip"), pngBytes, errs.CodeInvalid, "media_type"},
		{"content is not the declared type", f.liaisonA, in(EntityAllegation, alg.ID, "image/jpeg"), pngBytes, errs.CodeInvalid, "file"},
		{"text declared as pdf", f.analyst, in(EntityIncident, inc.ID, "application/pdf"), []byte("plain words"), errs.CodeInvalid, "file"},
		{"over the limit", f.liaisonA, in(EntityAllegation, alg.ID, "image/png"), append(pngBytes, make([]byte, 1024)...), errs.CodeTooLarge, "file"},
		{"empty", f.liaisonA, in(EntityAllegation, alg.ID, "text/plain"), nil, errs.CodeInvalid, "file"},
		{"bad record kind", f.liaisonA, in("patrol", alg.ID, "image/png"), pngBytes, errs.CodeInvalid, "record_kind"},
		{"missing record", f.liaisonA, in(EntityAllegation, "alg_nothing", "image/png"), pngBytes, errs.CodeInvalid, "record_id"},
		{"another side's allegation", f.liaisonB, in(EntityAllegation, alg.ID, "image/png"), pngBytes, errs.CodeForbidden, ""},
		{"the mission never edits a side's claim", f.monitor, in(EntityAllegation, alg.ID, "image/png"), pngBytes, errs.CodeForbidden, ""},
		{"a liaison does not edit an incident", f.liaisonA, in(EntityIncident, inc.ID, "image/png"), pngBytes, errs.CodeForbidden, ""},
		{"observers read only", f.observer, in(EntityIncident, inc.ID, "image/png"), pngBytes, errs.CodeForbidden, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.s.Attach(ctx, c.p, c.in, bytes.NewReader(c.file))
			wantErr(t, err, c.code, c.field)
			if got := files(t, f.s); len(got) != 0 {
				t.Fatalf("files left behind: %v", got)
			}
		})
	}

	a := must[StoredAttachment](t)(f.s.Attach(ctx, f.liaisonA, in(EntityAllegation, alg.ID, "image/png"), bytes.NewReader(pngBytes)))
	sum := sha256.Sum256(pngBytes)
	if a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(pngBytes)) || a.MediaType != "image/png" {
		t.Fatalf("stored %+v", a)
	}
	want := filepath.Join(f.db.Dir(), "attachments", a.SHA256[:2], a.SHA256[2:])
	if got := files(t, f.s); len(got) != 1 || got[0] != want {
		t.Fatalf("files %v, want %s", got, want)
	}
	// The same bytes on the incident: one file, two links.
	text := []byte("Log of the observation post, 10 June 2021.\n")
	must[StoredAttachment](t)(f.s.Attach(ctx, f.analyst, AttachmentInput{RecordKind: EntityIncident, RecordID: inc.ID, MediaType: "text/plain; charset=utf-8", Name: "log.txt"}, bytes.NewReader(text)))
	must[StoredAttachment](t)(f.s.Attach(ctx, f.monitor, in(EntityIncident, inc.ID, "image/png"), bytes.NewReader(pngBytes)))
	if got := files(t, f.s); len(got) != 2 {
		t.Fatalf("files %v, want 2", got)
	}
	secret := must[StoredAttachment](t)(f.s.Attach(ctx, f.liaisonA, in(EntityAllegation, algAOnly.ID, "text/plain"), strings.NewReader("only for side A")))

	// Readers of a linked record get the bytes; others nothing.
	for _, c := range []struct {
		p    access.Principal
		sum  string
		code errs.Code
	}{
		{f.liaisonB, a.SHA256, ""},
		{f.observer, a.SHA256, ""},
		{f.liaisonA, secret.SHA256, ""},
		{f.liaisonB, secret.SHA256, errs.CodeNotFound},
		{f.monitor, secret.SHA256, errs.CodeNotFound},
		{access.Anonymous, a.SHA256, errs.CodeUnauthenticated},
		{f.monitor, strings.Repeat("0", 64), errs.CodeNotFound},
		{f.monitor, "../../etc/passwd", errs.CodeNotFound},
	} {
		got, file, err := f.s.OpenAttachment(ctx, c.p, c.sum)
		if (c.code == "") != (err == nil) || (err != nil && errs.CodeOf(err) != c.code) {
			t.Fatalf("%s reads %s: %v, want %q", c.p.UserID, c.sum, err, c.code)
		}
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(file)
		file.Close()
		s := sha256.Sum256(b)
		if hex.EncodeToString(s[:]) != got.SHA256 || got.SHA256 != c.sum {
			t.Fatalf("%s read other bytes for %s", c.p.UserID, c.sum)
		}
	}
}
