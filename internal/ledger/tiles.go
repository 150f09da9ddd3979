package ledger

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// TileHeight is the height of every tile: 256 hashes or entries a tile, as
// C2SP tlog-tiles requires.
const TileHeight = 8

// TileWidth is the number of hashes (or entries) in a full tile.
const TileWidth = 1 << TileHeight

// ParseTilePath parses a C2SP tlog-tiles path relative to the log prefix:
// "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]". Entry bundles come
// back with L == -1.
func ParseTilePath(path string) (tlog.Tile, error) {
	rest, ok := strings.CutPrefix(path, "tile/")
	if !ok {
		return tlog.Tile{}, fmt.Errorf("not a tile path")
	}
	// The sumdb form differs only by the height element and by naming the
	// entry level "data"; reuse its careful parser.
	if r, ok := strings.CutPrefix(rest, "entries/"); ok {
		rest = "data/" + r
	} else if strings.HasPrefix(rest, "data/") {
		return tlog.Tile{}, fmt.Errorf("not a tile path")
	}
	t, err := tlog.ParseTilePath(fmt.Sprintf("tile/%d/%s", TileHeight, rest))
	if err != nil {
		return tlog.Tile{}, fmt.Errorf("not a tile path")
	}
	if t.L > 63 {
		return tlog.Tile{}, fmt.Errorf("tile level out of range")
	}
	return t, nil
}

// TilePath returns the C2SP path of t, the inverse of ParseTilePath.
func TilePath(t tlog.Tile) string {
	p := t.Path() // tile/8/L/... or tile/8/data/...
	p = strings.TrimPrefix(p, fmt.Sprintf("tile/%d/", TileHeight))
	if r, ok := strings.CutPrefix(p, "data/"); ok {
		return "tile/entries/" + r
	}
	return "tile/" + p
}

// AppendEntry appends one entry to an entry bundle: a big-endian uint16
// length and the leaf data.
func AppendEntry(bundle, data []byte) ([]byte, error) {
	if len(data) > 0xFFFF {
		return nil, fmt.Errorf("entry of %d bytes is too long for a bundle", len(data))
	}
	bundle = binary.BigEndian.AppendUint16(bundle, uint16(len(data)))
	return append(bundle, data...), nil
}

// SplitEntries splits an entry bundle into its entries.
func SplitEntries(bundle []byte) ([][]byte, error) {
	var out [][]byte
	for len(bundle) > 0 {
		if len(bundle) < 2 {
			return nil, fmt.Errorf("entry bundle: truncated length")
		}
		n := int(binary.BigEndian.Uint16(bundle))
		bundle = bundle[2:]
		if len(bundle) < n {
			return nil, fmt.Errorf("entry bundle: truncated entry")
		}
		out = append(out, bundle[:n])
		bundle = bundle[n:]
	}
	return out, nil
}
