package witness

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// The state of a log is one file, dir/checkpoints/<origin hash>.state,
// holding the latest checkpoint the witness cosigned for it — with the
// log's signatures it verified and its own cosignature, which is also
// what it serves to monitors.
//
// The file has two slots, written in turn: a cosignature overwrites the
// slot that holds the state before the latest, in one write, followed by
// one fdatasync, and only then is the cosignature returned. The file's
// size and blocks do not change from one write to the next, so fdatasync
// flushes the data alone, with no journal commit and no directory fsync:
// a quarter of the time of the temporary-file, fsync, rename, fsync of the
// directory that an atomic replace takes (BENCHMARKS.md, "Witness").
//
// Each slot carries a sequence number and a CRC-32C; at start the valid
// slot with the higher number is the state. A write torn by a crash can
// only damage the slot being written, whose cosignature was never
// returned; the other slot holds the latest state that was, so falling
// back to it cannot lead the witness to cosign a fork of anything it
// vouched for. What cannot be told from a torn write is a slot damaged on
// the disk after it was written and acknowledged (silent corruption that
// the disk's own checks missed); a read error, a slot with a valid CRC
// but no valid cosignature, or two damaged slots stop the witness instead.
const stateDir = "checkpoints"

const (
	stateSuffix = ".state"
	// stateMagic opens a state file; it is written once, when the file
	// is created, and never rewritten.
	stateMagic = "truce-witness-state/v2\n"
	// slotAlign keeps the slots apart from the header and from each
	// other in whole pages, so that a torn write of one slot cannot
	// reach into the other.
	slotAlign = 4096
	// slotSize holds the largest checkpoint a request can carry with the
	// witness's cosignature.
	slotSize = MaxBodyBytes + slotAlign
	// slotHeaderSize: "slot", sequence number (8 bytes), length (4),
	// CRC-32C (4) of the sequence number, length and payload.
	slotHeaderSize = 4 + 8 + 4 + 4
	slotMagic      = "slot"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// originHash is the lowercase hex SHA-256 of an origin: the state file's
// name and the path element of the monitoring endpoint
// (c2sp.org/tlog-witness).
func originHash(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return hex.EncodeToString(h[:])
}

// legacyStatePath is the state file of version 1: the signed checkpoint
// alone, replaced whole at each cosignature. Open converts it.
func legacyStatePath(dir, origin string) string {
	return filepath.Join(dir, stateDir, originHash(origin))
}

func statePath(dir, origin string) string {
	return legacyStatePath(dir, origin) + stateSuffix
}

// stateFile is a log's state file and the sequence number of its latest
// slot; seq 0 is a log never cosigned, whose file does not exist yet.
type stateFile struct {
	path string
	seq  uint64
}

// slotOffset is where the slot of sequence number seq starts: odd numbers
// in the first slot, even ones in the second.
func slotOffset(seq uint64) int64 {
	return slotAlign + int64(1-seq%2)*slotSize
}

// encodeSlot is a slot's content: its header, then the signed checkpoint.
func encodeSlot(seq uint64, signed []byte) []byte {
	rec := make([]byte, slotHeaderSize, slotHeaderSize+len(signed))
	copy(rec, slotMagic)
	binary.BigEndian.PutUint64(rec[4:12], seq)
	binary.BigEndian.PutUint32(rec[12:16], uint32(len(signed)))
	rec = append(rec, signed...)
	crc := crc32.Update(crc32.Checksum(rec[4:16], castagnoli), castagnoli, signed)
	binary.BigEndian.PutUint32(rec[16:20], crc)
	return rec
}

// decodeSlot reads the slot at the start of b. ok is false for a slot
// never written or torn: a bad magic, length or CRC.
func decodeSlot(b []byte) (seq uint64, signed []byte, ok bool) {
	if len(b) < slotHeaderSize || string(b[:4]) != slotMagic {
		return 0, nil, false
	}
	seq = binary.BigEndian.Uint64(b[4:12])
	n := binary.BigEndian.Uint32(b[12:16])
	if seq == 0 || int64(n) > slotSize-slotHeaderSize || int64(n) > int64(len(b)-slotHeaderSize) {
		return 0, nil, false
	}
	signed = b[slotHeaderSize : slotHeaderSize+int(n)]
	crc := crc32.Update(crc32.Checksum(b[4:16], castagnoli), castagnoli, signed)
	if crc != binary.BigEndian.Uint32(b[16:20]) {
		return 0, nil, false
	}
	return seq, signed, true
}

// loadState reads the latest cosigned checkpoint of origin. A log never
// cosigned has no file and the zero Checkpoint (size 0). A state of
// version 1 is converted first.
func loadState(dir, origin string, own note.Verifier) (Checkpoint, []byte, *stateFile, error) {
	sf := &stateFile{path: statePath(dir, origin)}
	data, err := os.ReadFile(sf.path)
	if errors.Is(err, os.ErrNotExist) {
		return convertLegacyState(dir, origin, own, sf)
	}
	if err != nil {
		return Checkpoint{}, nil, nil, fmt.Errorf("read the state of %s: %w", origin, err)
	}
	if !bytes.HasPrefix(data, []byte(stateMagic)) {
		return Checkpoint{}, nil, nil, fmt.Errorf("the state of %s (%s) is not a witness state file", origin, sf.path)
	}
	type slot struct {
		seq    uint64
		signed []byte
		cp     Checkpoint
	}
	var valid []slot
	for _, seq := range []uint64{1, 2} { // the first slot, then the second
		off := slotOffset(seq)
		if off >= int64(len(data)) {
			continue
		}
		s, signed, ok := decodeSlot(data[off:min(int64(len(data)), off+slotSize)])
		if !ok {
			continue // never written, or torn by a crash while it was
		}
		if s%2 != seq%2 {
			return Checkpoint{}, nil, nil, fmt.Errorf("the state of %s (%s): sequence number %d in the wrong slot", origin, sf.path, s)
		}
		cp, err := openState(signed, origin, own)
		if err != nil {
			return Checkpoint{}, nil, nil, fmt.Errorf("the state of %s (%s): %w", origin, sf.path, err)
		}
		valid = append(valid, slot{s, signed, cp})
	}
	switch {
	case len(valid) == 0:
		return Checkpoint{}, nil, nil, fmt.Errorf("the state of %s (%s) has no readable slot: it is damaged; restore it from a backup or from a monitor's copy of the latest cosigned checkpoint", origin, sf.path)
	case len(valid) == 2 && valid[0].seq < valid[1].seq:
		valid[0], valid[1] = valid[1], valid[0]
	}
	latest := valid[0]
	if len(valid) == 2 && (latest.seq != valid[1].seq+1 || latest.cp.Size < valid[1].cp.Size) {
		return Checkpoint{}, nil, nil, fmt.Errorf("the state of %s (%s): slots %d (size %d) and %d (size %d) do not follow each other", origin, sf.path, latest.seq, latest.cp.Size, valid[1].seq, valid[1].cp.Size)
	}
	sf.seq = latest.seq
	return latest.cp, latest.signed, sf, nil
}

// openState checks a stored checkpoint: it must carry the witness's own
// valid cosignature (a state it did not write is refused rather than
// trusted) and be of origin.
func openState(signed []byte, origin string, own note.Verifier) (Checkpoint, error) {
	if _, err := note.Open(signed, note.VerifierList(own)); err != nil {
		return Checkpoint{}, fmt.Errorf("does not carry this witness's cosignature: %w", err)
	}
	c, err := parseCheckpoint(signed)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != origin {
		return Checkpoint{}, fmt.Errorf("is for %q, not %q", c.Origin, origin)
	}
	return c, nil
}

// convertLegacyState moves a version 1 state to a state file, if there is
// one. After a crash between the two steps both files exist and the new
// one, written first, is read.
func convertLegacyState(dir, origin string, own note.Verifier, sf *stateFile) (Checkpoint, []byte, *stateFile, error) {
	legacy := legacyStatePath(dir, origin)
	signed, err := os.ReadFile(legacy)
	if errors.Is(err, os.ErrNotExist) {
		return Checkpoint{Origin: origin}, nil, sf, nil
	}
	if err != nil {
		return Checkpoint{}, nil, nil, fmt.Errorf("read the state of %s: %w", origin, err)
	}
	cp, err := openState(signed, origin, own)
	if err != nil {
		return Checkpoint{}, nil, nil, fmt.Errorf("the state of %s (%s): %w", origin, legacy, err)
	}
	if err := sf.save(signed); err != nil {
		return Checkpoint{}, nil, nil, fmt.Errorf("convert the state of %s: %w", origin, err)
	}
	if err := os.Remove(legacy); err != nil {
		return Checkpoint{}, nil, nil, fmt.Errorf("convert the state of %s: %w", origin, err)
	}
	return cp, signed, sf, nil
}

// save records signed as the log's state durably: the first time by
// creating the file whole (temporary file, fsync, rename, fsync of the
// directory), then by overwriting the older slot and fdatasync.
func (sf *stateFile) save(signed []byte) error {
	if int64(len(signed)) > slotSize-slotHeaderSize {
		return fmt.Errorf("a checkpoint of %d bytes does not fit a state slot", len(signed))
	}
	seq := sf.seq + 1
	if sf.seq == 0 {
		data := make([]byte, slotOffset(seq), slotOffset(seq)+slotHeaderSize+int64(len(signed)))
		copy(data, stateMagic)
		// The file has its full size from the start (the rest a hole), so
		// that no later write changes it.
		if err := replaceFile(sf.path, append(data, encodeSlot(seq, signed)...), 0o644, slotAlign+2*slotSize); err != nil {
			return err
		}
		sf.seq = seq
		return nil
	}
	f, err := os.OpenFile(sf.path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(encodeSlot(seq, signed), slotOffset(seq)); err != nil {
		f.Close()
		return err
	}
	if err := datasync(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	sf.seq = seq
	return nil
}

// writeFileDurably replaces path with data so that after a crash at any
// point the file holds either its old content or the new, whole: a
// temporary file beside it is written and fsynced, renamed over it, and
// the directory fsynced so that the rename itself survives.
func writeFileDurably(path string, data []byte, mode os.FileMode) error {
	return replaceFile(path, data, mode, int64(len(data)))
}

// replaceFile is writeFileDurably with a file of size bytes, zeros after
// data.
func replaceFile(path string, data []byte, mode os.FileMode, size int64) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Truncate(size); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeTemporaries deletes what a write interrupted by a crash left
// behind; the files they were to replace are intact.
func removeTemporaries(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
