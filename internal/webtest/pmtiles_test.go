package webtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/truce-monitoring/truce/internal/app"
)

// writeRasterPMTiles writes the smallest PMTiles v3 archive MapLibre can
// draw: one 256-pixel PNG tile at zoom 0, no compression, following the
// specification (github.com/protomaps/PMTiles, spec/v3).
func writeRasterPMTiles(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := range 256 {
		for x := range 256 {
			img.Set(x, y, color.RGBA{R: 200, G: 220, B: 200, A: 255})
		}
	}
	var tile bytes.Buffer
	if err := png.Encode(&tile, img); err != nil {
		t.Fatal(err)
	}
	// Root directory: one entry (tile id 0, run length 1, its length, and
	// offset 0 written as offset + 1), each column as varints.
	var dir []byte
	for _, v := range []uint64{1, 0, 1, uint64(tile.Len()), 1} {
		dir = binary.AppendUvarint(dir, v)
	}
	metadata := []byte("{}")
	const headerLen = 127
	dirOff := uint64(headerLen)
	metaOff := dirOff + uint64(len(dir))
	dataOff := metaOff + uint64(len(metadata))
	h := make([]byte, headerLen)
	copy(h, "PMTiles")
	h[7] = 3
	le := binary.LittleEndian
	// Root directory, metadata, leaf directories (none), tile data: offset
	// and length each; then the numbers of addressed tiles, tile entries
	// and tile contents.
	for i, v := range []uint64{dirOff, uint64(len(dir)), metaOff, uint64(len(metadata)), dataOff, 0, dataOff, uint64(tile.Len()), 1, 1, 1} {
		le.PutUint64(h[8+8*i:], v)
	}
	h[96] = 1             // clustered
	h[97] = 1             // internal compression: none
	h[98] = 1             // tile compression: none
	h[99] = 2             // tile type: png
	h[100], h[101] = 0, 0 // min and max zoom
	for i, v := range []int32{-180e7, -85e7, 180e7, 85e7} {
		le.PutUint32(h[102+4*i:], uint32(v))
	}
	h[118] = 0 // centre zoom
	if err := os.WriteFile(path, append(append(append(h, dir...), metadata...), tile.Bytes()...), 0o600); err != nil {
		t.Fatal(err)
	}
}

// With --basemap, the map reads the operator's PMTiles file through the
// pmtiles protocol (HTTP Range on /basemap.pmtiles) and draws it as a
// raster layer under its own layers.
func TestMapOperatorBasemap(t *testing.T) {
	file := filepath.Join(t.TempDir(), "basemap.pmtiles")
	writeRasterPMTiles(t, file)
	s := startMapServerWith(t, app.Config{Basemap: file})
	ctx, watch := newBrowser(t, strings.TrimPrefix(s.url, "http://"))
	s.signIn(t, ctx, "observer")
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/map")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, mapReady+` && !!window.truceMap.getLayer('operator-basemap') && window.truceMap.isSourceLoaded('operator-basemap')`, 30*time.Second); err != nil {
		watch.check(t)
		t.Fatal(err)
	}
	watch.check(t)
}
