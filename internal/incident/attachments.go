package incident

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
	"github.com/truce-monitoring/truce/internal/text"
)

// EntityAttachment is a file linked to an allegation or an incident. The
// change log holds its description and SHA-256; the bytes live under
// DATA_DIR/attachments/, addressed by the hash.
const (
	EntityAttachment = "attachment"
	attachmentPrefix = "att"
)

// DefaultMaxAttachmentBytes is the largest file accepted unless
// WithAttachmentLimit says otherwise.
const DefaultMaxAttachmentBytes = 20 << 20

// AttachmentMediaTypes are the media types accepted; the content must
// sniff (http.DetectContentType) as the type declared.
var AttachmentMediaTypes = []string{"image/jpeg", "image/png", "application/pdf", "text/plain", "video/mp4"}

// WithAttachmentLimit sets the largest attachment accepted, in bytes.
func WithAttachmentLimit(n int64) Option { return func(s *Service) { s.maxAttachment = n } }

// AttachmentInput describes a file as a client sends it.
type AttachmentInput struct {
	RecordKind string `json:"record_kind" doc:"allegation or incident"`
	RecordID   string `json:"record_id"`
	MediaType  string `json:"media_type" doc:"image/jpeg, image/png, application/pdf, text/plain or video/mp4; must match the content"`
	Name       string `json:"name" doc:"the file's name"`
}

// AttachmentBody is an attachment as the change log holds it; it is read
// by those who read the record it is linked to.
type AttachmentBody struct {
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
	MediaType  string `json:"media_type"`
	Name       string `json:"name"`
	RecordKind string `json:"record_kind"`
	RecordID   string `json:"record_id"`
	access.Label
}

// StoredAttachment is an attachment with its id.
type StoredAttachment struct {
	ID string `json:"id"`
	AttachmentBody
}

func attachmentRows(id string, b *AttachmentBody) (map[string][][]any, error) {
	return map[string][][]any{"attachments": {{id, b.SHA256, b.RecordKind, b.RecordID}}}, nil
}

func attachmentProjection() store.Projection {
	return store.Typed(EntityAttachment, []store.Table{
		{Name: "attachments", Columns: []string{"id", "sha256", "record_kind", "record_id"}},
	}, attachmentRows)
}

// MaxAttachmentBytes is the largest attachment the service accepts.
func (s *Service) MaxAttachmentBytes() int64 { return s.maxAttachment }

func (s *Service) attachmentDir() string { return filepath.Join(s.db.Dir(), "attachments") }

// baseType is a media type without parameters, lower case.
func baseType(t string) string {
	mt, _, err := mime.ParseMediaType(t)
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}

// labelForEdit checks that p may edit the record an attachment links to
// and returns the record's label.
func (s *Service) labelForEdit(ctx context.Context, p access.Principal, kind, id string) (access.Label, error) {
	switch kind {
	case EntityAllegation:
		a, err := s.GetAllegation(ctx, p, id)
		if errs.CodeOf(err) == errs.CodeNotFound {
			return access.Label{}, errs.Invalid("record_id", "no allegation %s", id)
		}
		if err != nil {
			return access.Label{}, err
		}
		return a.Label, ownerMay(p, access.Update, a.AllegationBody)
	case EntityIncident:
		inc, err := s.GetIncident(ctx, p, id)
		if errs.CodeOf(err) == errs.CodeNotFound {
			return access.Label{}, errs.Invalid("record_id", "no incident %s", id)
		}
		if err != nil {
			return access.Label{}, err
		}
		if err := access.Decide(p, access.Update, inc.Resource()); err != nil {
			return access.Label{}, err
		}
		if inc.Sealed() {
			return access.Label{}, errs.Conflict("status", "incident %s is closed and sealed", id)
		}
		return inc.Label, nil
	}
	return access.Label{}, errs.Invalid("record_kind", "must be allegation or incident")
}

// Attach stores file and links it to an allegation or incident p may
// edit. The content must sniff as the declared media type and be at most
// the service's limit; otherwise nothing is stored. Files are kept by
// SHA-256 and never overwritten: the same bytes attached twice are stored
// once.
func (s *Service) Attach(ctx context.Context, p access.Principal, in AttachmentInput, file io.Reader) (StoredAttachment, error) {
	if !p.Authenticated() {
		return StoredAttachment{}, wrap("attach", errs.Unauthenticated("sign in or send a bearer token"))
	}
	declared := baseType(in.MediaType)
	if !slices.Contains(AttachmentMediaTypes, declared) {
		return StoredAttachment{}, wrap("attach", errs.Invalid("media_type", "must be one of %s", strings.Join(AttachmentMediaTypes, ", ")))
	}
	if err := checkID("record_id", in.RecordID); err != nil {
		return StoredAttachment{}, wrap("attach", err)
	}
	if err := text.CheckName("name", in.Name, 255); err != nil {
		return StoredAttachment{}, wrap("attach", err)
	}
	label, err := s.labelForEdit(ctx, p, in.RecordKind, in.RecordID)
	if err != nil {
		return StoredAttachment{}, wrap("attach", err)
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(file, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return StoredAttachment{}, wrap("attach", errs.Invalid("file", "cannot be read: %v", err))
	}
	head = head[:n]
	if n == 0 {
		return StoredAttachment{}, wrap("attach", errs.Invalid("file", "is empty"))
	}
	if sniffed := baseType(http.DetectContentType(head)); sniffed != declared {
		return StoredAttachment{}, wrap("attach", errs.Invalid("file", "content is %s, not the declared %s", sniffed, declared))
	}
	limit := s.maxAttachment
	if limit <= 0 {
		limit = DefaultMaxAttachmentBytes
	}
	if int64(n) > limit {
		return StoredAttachment{}, wrap("attach", errs.TooLarge("file", "is over %d bytes", limit))
	}
	sum, size, err := s.storeFile(head, file, limit)
	if err != nil {
		return StoredAttachment{}, wrap("attach", err)
	}
	a := StoredAttachment{ID: s.db.NewID(attachmentPrefix), AttachmentBody: AttachmentBody{SHA256: sum, Size: size, MediaType: declared,
		Name: in.Name, RecordKind: in.RecordKind, RecordID: in.RecordID, Label: label}}
	_, err = s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Record(store.Change{Entity: EntityAttachment, ID: a.ID, Version: 1, Actor: p.Actor(), Body: a.AttachmentBody, Public: a.Classification == access.Public})
		return err
	})
	if err != nil {
		// The file stays: content-addressed, it harms nothing and may be
		// attached again.
		return StoredAttachment{}, wrap("attach", err)
	}
	return a, nil
}

// storeFile writes head and the rest of r to a temporary file, then links
// it under its SHA-256. Over limit, the temporary file is removed.
func (s *Service) storeFile(head []byte, r io.Reader, limit int64) (string, int64, error) {
	dir := s.attachmentDir()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", 0, err
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	w := io.MultiWriter(tmp, h)
	if _, err := w.Write(head); err != nil {
		return "", 0, err
	}
	rest, err := io.Copy(w, io.LimitReader(r, limit-int64(len(head))+1))
	if err != nil {
		return "", 0, errs.Invalid("file", "cannot be read: %v", err)
	}
	size := int64(len(head)) + rest
	if size > limit {
		return "", 0, errs.TooLarge("file", "is over %d bytes", limit)
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, err
	}
	if err := tmp.Close(); err != nil {
		return "", 0, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	final := s.attachmentPath(sum)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return "", 0, err
	}
	// A hard link, unlike a rename, never replaces a file already there:
	// the same hash is the same bytes, so an existing file is kept.
	if err := os.Link(tmp.Name(), final); err != nil && !errors.Is(err, fs.ErrExist) {
		if _, statErr := os.Stat(final); !errors.Is(statErr, fs.ErrNotExist) {
			return "", 0, err
		}
		if err := os.Rename(tmp.Name(), final); err != nil {
			return "", 0, err
		}
	}
	return sum, size, nil
}

func (s *Service) attachmentPath(sum string) string {
	return filepath.Join(s.attachmentDir(), sum[:2], sum[2:])
}

// OpenAttachment returns the attachment with the given SHA-256 and its
// file, if p reads a record it is linked to; the caller closes the file.
func (s *Service) OpenAttachment(ctx context.Context, p access.Principal, sum string) (StoredAttachment, *os.File, error) {
	if !sha256Hex.MatchString(sum) {
		return StoredAttachment{}, nil, wrap("open attachment", errs.NotFound("attachment %s not found", sum))
	}
	rows, err := s.db.Query(ctx, `SELECT r.id, c.body FROM attachments r `+s.db.Dialect().LatestJoin(EntityAttachment)+` WHERE r.sha256 = ? ORDER BY r.id`, sum)
	if err != nil {
		return StoredAttachment{}, nil, wrap("open attachment", err)
	}
	var found []StoredAttachment
	for rows.Next() {
		var a StoredAttachment
		var body []byte
		if err := rows.Scan(&a.ID, &body); err != nil {
			rows.Close()
			return StoredAttachment{}, nil, wrap("open attachment", err)
		}
		if err := store.DecodeBody(body, &a.AttachmentBody); err != nil {
			rows.Close()
			return StoredAttachment{}, nil, wrap("open attachment", err)
		}
		found = append(found, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return StoredAttachment{}, nil, wrap("open attachment", err)
	}
	var refusal error
	for _, a := range found {
		var err error
		switch a.RecordKind {
		case EntityAllegation:
			_, err = s.GetAllegation(ctx, p, a.RecordID)
		case EntityIncident:
			_, err = s.GetIncident(ctx, p, a.RecordID)
		default:
			continue
		}
		if err != nil {
			if refusal == nil && errs.CodeOf(err) != errs.CodeNotFound {
				refusal = err
			}
			continue
		}
		f, err := os.Open(s.attachmentPath(sum))
		if err != nil {
			return StoredAttachment{}, nil, wrap("open attachment", err)
		}
		return a, f, nil
	}
	if refusal != nil {
		return StoredAttachment{}, nil, wrap("open attachment", refusal)
	}
	return StoredAttachment{}, nil, wrap("open attachment", errs.NotFound("attachment %s not found", sum))
}

// AttachmentsOf lists the files attached to records of kind (allegation or
// incident) with the given ids, in id order: those p may read, by the
// label each attachment took from its record.
func (s *Service) AttachmentsOf(ctx context.Context, p access.Principal, kind string, ids []string) ([]StoredAttachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q := `SELECT id FROM attachments WHERE record_kind = ? AND record_id IN (?` + strings.Repeat(",?", len(ids)-1) + `) ORDER BY id`
	args := []any{kind}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap("attachments", err)
	}
	var aids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, wrap("attachments", err)
		}
		aids = append(aids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(aids) == 0 {
		return nil, wrap("attachments", err)
	}
	bodies, err := s.db.Bodies(ctx, EntityAttachment, aids)
	if err != nil {
		return nil, wrap("attachments", err)
	}
	var out []StoredAttachment
	for _, id := range aids {
		c, ok := bodies[id]
		if !ok || c.Body == nil {
			continue
		}
		a := StoredAttachment{ID: id}
		if err := store.DecodeBody(c.Body, &a.AttachmentBody); err != nil {
			return nil, wrap("attachments", err)
		}
		if access.CanRead(p, kindAttachment.Of(a.Label)) {
			out = append(out, a)
		}
	}
	return out, nil
}
