package exchange

import (
	"archive/zip"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/truce-monitoring/truce/internal/errs"
)

// KMZ is KML in a zip archive. Only the document is read: "doc.kml" at
// the top, or else the first file ending in .kml; pictures and models
// beside it are left alone.
//
// A zip bomb is refused before and while it is inflated: the document may
// not declare more than KMZMaxDocument bytes, nor more than
// KMZMaxRatio times its compressed size once it is over a megabyte; and
// inflating stops with the same message if the archive lied about either.

// KMZMaxDocument is the largest KML document a KMZ may hold, inflated.
const KMZMaxDocument = 1 << 30

// KMZMaxRatio is the most a KMZ's document may inflate, over its
// compressed size (KML inflates about 10 to 30 times).
const KMZMaxRatio = 200

// kmzRatioFloor is the size below which the ratio is not checked: a
// small, repetitive document may inflate much more than a large one.
const kmzRatioFloor = 1 << 20

// NewKMZReader reads the KML document of the KMZ archive in r (size bytes
// long), as NewKMLReader does.
func NewKMZReader(r io.ReaderAt, size int64, columns []Column) (*KMLReader, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, errs.Invalid("file", "is not a KMZ: it cannot be read as a zip archive (%v)", err)
	}
	var doc *zip.File
	for _, f := range z.File {
		if f.Name == "doc.kml" {
			doc = f
			break
		}
		if doc == nil && strings.EqualFold(path.Ext(f.Name), ".kml") && !f.FileInfo().IsDir() {
			doc = f
		}
	}
	if doc == nil {
		return nil, errs.Invalid("file", "is a zip archive with no .kml document in it")
	}
	where := "file " + doc.Name
	if doc.UncompressedSize64 > KMZMaxDocument {
		return nil, errs.TooLarge(where, "would inflate to %d bytes; a KMZ's document may hold at most %d (a zip bomb?)", doc.UncompressedSize64, KMZMaxDocument)
	}
	if doc.UncompressedSize64 > kmzRatioFloor && doc.UncompressedSize64 > KMZMaxRatio*max(doc.CompressedSize64, 1) {
		return nil, errs.TooLarge(where, "would inflate %d times (%d bytes to %d); at most %d times is allowed (a zip bomb?)",
			doc.UncompressedSize64/max(doc.CompressedSize64, 1), doc.CompressedSize64, doc.UncompressedSize64, KMZMaxRatio)
	}
	rc, err := doc.Open()
	if err != nil {
		return nil, errs.Invalid(where, "cannot be opened in the archive (%v)", err)
	}
	limit := min(int64(doc.UncompressedSize64), KMZMaxDocument)
	k := NewKMLReader(&kmzGuard{r: rc, left: limit, compressed: int64(doc.CompressedSize64), where: where}, columns)
	k.closer = rc
	return k, nil
}

// kmzGuard stops inflating when the archive gives more than it declared,
// or more than the caps allow.
type kmzGuard struct {
	r          io.Reader
	left       int64
	read       int64
	compressed int64
	where      string
}

func (g *kmzGuard) Read(p []byte) (int, error) {
	if g.left <= 0 {
		// One byte more than declared means the header lied.
		var one [1]byte
		if n, _ := g.r.Read(one[:]); n > 0 {
			return 0, errs.TooLarge(g.where, "inflates beyond the size its archive declares (a zip bomb?)")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, err := g.r.Read(p)
	g.left -= int64(n)
	g.read += int64(n)
	if g.read > kmzRatioFloor && g.read > KMZMaxRatio*max(g.compressed, 1) {
		return n, errs.TooLarge(g.where, "inflates more than %d times its compressed size (a zip bomb?)", KMZMaxRatio)
	}
	if errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) {
		return n, errs.Invalid(g.where, "is damaged in its archive (%v)", err)
	}
	return n, err
}

// IsKMZ reports whether head, the first bytes of a file, start a zip
// archive (a KMZ) rather than a KML document.
func IsKMZ(head []byte) bool {
	return len(head) >= 4 && string(head[:4]) == "PK\x03\x04"
}
