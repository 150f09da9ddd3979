package exchange

import (
	"bytes"
	"io"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/geo"
)

// FuzzDecodeGPKGGeometry feeds arbitrary blobs to the geometry decoder: it
// must refuse them with an invalid error or return a geometry that
// encodes and decodes back to itself.
func FuzzDecodeGPKGGeometry(f *testing.F) {
	for _, g := range sampleGeometries() {
		b, err := AppendGPKGGeometry(nil, g, 4326)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("GP\x00\x11\xe6\x10\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf8\x7f\x00\x00\x00\x00\x00\x00\xf8\x7f"))
	f.Add([]byte("GP\x00\x00\x00\x00\x10\xe6\x00\x00\x00\x03\xe9\x40\x47\x00\x00\x00\x00\x00\x00\x40\x44\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, blob []byte) {
		g, srs, err := DecodeGPKGGeometry(blob)
		if err != nil {
			if c := errs.CodeOf(err); c != errs.CodeInvalid {
				t.Fatalf("error %v has code %q", err, c)
			}
			return
		}
		if g == nil {
			return // empty
		}
		out, err := AppendGPKGGeometry(nil, *g, srs)
		if err != nil {
			t.Fatalf("decoded %x as %+v, which does not encode: %v", blob, g, err)
		}
		back, srs2, err := DecodeGPKGGeometry(out)
		if err != nil || srs2 != srs || !reflect.DeepEqual(back, g) {
			t.Fatalf("decoded %x as %+v; its encoding %x decodes as %+v in %d (%v)", blob, g, out, back, srs2, err)
		}
	})
}

// FuzzOpenGPKG feeds arbitrary files to the reader: it must refuse them
// with an invalid or too-large error, or read them to the end.
func FuzzOpenGPKG(f *testing.F) {
	tb, rows := sampleTable("posts", geo.TypePolygon, sampleColumns, 2)
	path := writeGPKG(f, []Table{tb}, [][]Row{rows})
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:4096])
	f.Add([]byte("SQLite format 3\x00"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang would otherwise show only as a fuzzer stuck at 0 execs/s.
		watchdog := time.AfterFunc(10*time.Second, func() { panic("FuzzOpenGPKG: one input took over 10 s") })
		defer watchdog.Stop()
		r, err := ReadGPKG(bytes.NewReader(data), GPKGReadOptions{TempDir: dir, MaxBytes: 1 << 20})
		if err != nil {
			if c := errs.CodeOf(err); c != errs.CodeInvalid && c != errs.CodeTooLarge {
				t.Fatalf("error %v has code %q", err, c)
			}
			return
		}
		defer r.Close()
		for range 10_000 {
			_, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if c := errs.CodeOf(err); c != errs.CodeInvalid && c != errs.CodeTooLarge {
					t.Fatalf("error %v has code %q", err, c)
				}
			}
		}
	})
}
