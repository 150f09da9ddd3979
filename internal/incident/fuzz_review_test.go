package incident

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

// FuzzReview sends arbitrary decisions to a real store holding one
// allegation and one incident. Whatever the input, the answer is a record
// or a coded error; an invalid one names its field; and a refused
// decision writes nothing.
func FuzzReview(f *testing.F) {
	fx := newFixture(f)
	ctx := context.Background()
	alg, err := fx.s.LodgeAllegation(ctx, fx.liaisonA, fx.allegationBy(fx.sideA))
	if err != nil {
		f.Fatal(err)
	}
	inc, err := fx.s.OpenIncident(ctx, fx.analyst, IncidentInput{Title: "Fire", Category: "heavy_weapons_fire",
		Location: PointRadius{Point: inZone, RadiusM: 1000}, Time: TimeInput{Start: "2021-06-10T03:00:00Z"}})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []ReviewInput{
		{ReportKind: EntityAllegation, ReportID: alg.ID, IncidentID: inc.ID, Decision: DecisionReject, Reason: "Another event."},
		{ReportKind: EntityAllegation, ReportID: alg.ID, IncidentID: inc.ID, Decision: DecisionSplit},
		{ReportKind: EntityObservation, ReportID: "obs_x", IncidentID: inc.ID, Decision: DecisionAccept},
		{ReportKind: "allegation", ReportID: "", IncidentID: "inc_\u202e", Decision: "merge"},
		{ReportKind: EntityAllegation, ReportID: alg.ID, Decision: DecisionNew, Title: "Fire, 10 June", At: "2021-06-11T10:00:00Z"},
		{Decision: DecisionUndo, ReviewID: "rev_x", At: "2021-06-11T10:00:00+04:00"},
	} {
		b, _ := json.Marshal(seed)
		f.Add(b)
	}
	f.Add([]byte(`{"decision":"accept","report_kind":"allegation","report_id":"alg_1","incident_id":"inc_1","reason":"\u0000"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in ReviewInput
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if dec.Decode(&in) != nil {
			return
		}
		// Accepting would move the one allegation for good; keep the
		// store's state the same for every input.
		if in.Decision == DecisionAccept && in.ReportID == alg.ID {
			in.Decision = DecisionReject
		}
		before := fx.db.Size()
		_, err := fx.s.RecordReview(ctx, fx.analyst, in)
		if err == nil {
			return
		}
		switch errs.CodeOf(err) {
		case errs.CodeInvalid:
			if errs.FieldOf(err) == "" {
				t.Fatalf("invalid without a field: %v", err)
			}
		case errs.CodeConflict, errs.CodeNotFound:
		default:
			t.Fatalf("unexpected error for %+v: %v", in, err)
		}
		if after := fx.db.Size(); after != before {
			t.Fatalf("a refused decision wrote %d changes", after-before)
		}
	})
}

// FuzzAttach stores arbitrary content under arbitrary declared types. A
// file is kept only when its content sniffs as its declared type, and a
// refusal names the field and leaves no file behind.
func FuzzAttach(f *testing.F) {
	fx := newFixture(f)
	fx.s.maxAttachment = 4096
	ctx := context.Background()
	alg, err := fx.s.LodgeAllegation(ctx, fx.liaisonA, fx.allegationBy(fx.sideA))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("image/png", "photo.png", pngBytes)
	f.Add("text/plain", "note.txt", []byte("Shelling heard at 03:10."))
	f.Add("application/pdf", "r.pdf", []byte("%PDF-1.4\n"))
	f.Add("image/jpeg", "x.jpg", []byte{0xff, 0xd8, 0xff, 0xe0})
	f.Add("text/plain; charset=utf-8", "\u202egpj.txt", []byte("<script>alert(1)</script>"))
	f.Fuzz(func(t *testing.T, mediaType, name string, content []byte) {
		before := fx.db.Size()
		stored := len(files(t, fx.s))
		a, err := fx.s.Attach(ctx, fx.liaisonA, AttachmentInput{RecordKind: EntityAllegation, RecordID: alg.ID, MediaType: mediaType, Name: name}, bytes.NewReader(content))
		if err == nil {
			if a.Size != int64(len(content)) {
				t.Fatalf("stored %d bytes of %d", a.Size, len(content))
			}
			if baseType(a.MediaType) != baseType(mediaType) {
				t.Fatalf("declared %q, stored %q", mediaType, a.MediaType)
			}
			return
		}
		switch errs.CodeOf(err) {
		case errs.CodeInvalid, errs.CodeTooLarge:
			if errs.FieldOf(err) == "" {
				t.Fatalf("refused without a field: %v", err)
			}
		default:
			t.Fatalf("unexpected error: %v", err)
		}
		if fx.db.Size() != before {
			t.Fatal("a refused attachment wrote a change")
		}
		if n := len(files(t, fx.s)); n != stored {
			t.Fatalf("a refused attachment left %d files behind", n-stored)
		}
	})
}
