package witness

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// The state of a log is one file, dir/checkpoints/<origin hash>: the
// latest checkpoint the witness cosigned for it, with the log's
// signatures it verified and its own cosignature — which is also what it
// serves to monitors. A file per log (rather than SQLite) because the
// state is one small record per log, replaced whole: write a temporary
// file, fsync, rename over, fsync the directory is a durable, atomic
// replace with one fsync pair and nothing else to run or migrate; and the
// state stays a text file an operator can read.
const stateDir = "checkpoints"

// originHash is the lowercase hex SHA-256 of an origin: the state file's
// name and the path element of the monitoring endpoint
// (c2sp.org/tlog-witness).
func originHash(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return hex.EncodeToString(h[:])
}

func statePath(dir, origin string) string {
	return filepath.Join(dir, stateDir, originHash(origin))
}

// loadState reads the latest cosigned checkpoint of origin. A log never
// cosigned has no file and the zero Checkpoint (size 0). The file must
// carry the witness's own valid cosignature: a state it did not write is
// refused rather than trusted.
func loadState(dir, origin string, own note.Verifier) (Checkpoint, []byte, error) {
	path := statePath(dir, origin)
	signed, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Checkpoint{Origin: origin}, nil, nil
	}
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("read the state of %s: %w", origin, err)
	}
	if _, err := note.Open(signed, note.VerifierList(own)); err != nil {
		return Checkpoint{}, nil, fmt.Errorf("the state of %s (%s) does not carry this witness's cosignature: %w", origin, path, err)
	}
	c, err := parseCheckpoint(signed)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("the state of %s (%s): %w", origin, path, err)
	}
	if c.Origin != origin {
		return Checkpoint{}, nil, fmt.Errorf("the state file %s is for %q, not %q", path, c.Origin, origin)
	}
	return c, signed, nil
}

// saveState replaces the state of origin durably.
func saveState(dir, origin string, signed []byte) error {
	return writeFileDurably(statePath(dir, origin), signed, 0o644)
}

// writeFileDurably replaces path with data so that after a crash at any
// point the file holds either its old content or the new, whole: a
// temporary file beside it is written and fsynced, renamed over it, and
// the directory fsynced so that the rename itself survives.
func writeFileDurably(path string, data []byte, mode os.FileMode) error {
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
