package audit

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// Limits on what the log may send: a checkpoint with its cosignatures, a
// full hash tile, a full entry bundle of the largest entries.
const (
	maxCheckpoint = 1 << 20
	maxHashTile   = ledger.TileWidth * tlog.HashSize
	maxBundle     = ledger.TileWidth * (2 + 0xFFFF)
)

// fetcher reads the log's public endpoints under base (the server's URL:
// base + "/log/checkpoint"). Any failure to get an answer is ErrUnavailable.
type fetcher struct {
	ctx      context.Context
	client   *http.Client
	base     string
	requests atomic.Int64
	bytes    atomic.Int64
}

func (f *fetcher) get(path string, limit int64) ([]byte, error) {
	url := f.base + "/log/" + path
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	f.requests.Add(1)
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s: %s", ErrUnavailable, url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	f.bytes.Add(int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %v", ErrUnavailable, url, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: GET %s: more than %d bytes", ErrInconsistent, url, limit)
	}
	return data, nil
}

func (f *fetcher) checkpoint() ([]byte, error) { return f.get("checkpoint", maxCheckpoint) }

// bundle reads entry bundle n of a tree of the given size: full, or the
// partial bundle at the tree's right edge.
func (f *fetcher) bundle(n, size int64) ([]byte, int, error) {
	w := int(min(ledger.TileWidth, size-n*ledger.TileWidth))
	t := tlog.Tile{H: ledger.TileHeight, L: -1, N: n, W: w}
	data, err := f.get(ledger.TilePath(t), maxBundle)
	return data, w, err
}

// tileReader serves tlog.TileHashReader from the log's hash tiles; the
// hash reader checks every tile against the checkpoint's root.
type tileReader struct{ f *fetcher }

func (r tileReader) Height() int { return ledger.TileHeight }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := r.f.get(ledger.TilePath(t), maxHashTile)
		if err != nil {
			return nil, err
		}
		if len(data) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%w: hash tile %s has %d bytes, want %d", ErrInconsistent, ledger.TilePath(t), len(data), t.W*tlog.HashSize)
		}
		out[i] = data
	}
	return out, nil
}

func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}
