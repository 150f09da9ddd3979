package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
)

// StateFile is the name of the state file inside the state directory.
const StateFile = "audit-state.json"

// stateVersion is the first field of every state file; a reader refuses
// one it does not know.
const stateVersion = "truce-audit/v1"

// State is what an auditor keeps between runs: the last checkpoint it
// accepted and the right edge of that tree, from which it extends the tree
// with the entries that come after.
type State struct {
	Version    string      `json:"version"`
	Origin     string      `json:"origin"`
	Size       int64       `json:"size"`
	Root       tlog.Hash   `json:"root"`
	Range      []tlog.Hash `json:"range" doc:"roots of the perfect subtrees of the tree, largest first"`
	Checkpoint string      `json:"checkpoint" doc:"the signed checkpoint, as the log served it"`
}

// ParseState decodes a state file strictly: known version, no unknown
// fields, no trailing data, and a range that has one hash for each
// subtree of the size and folds to the root. It does not check the
// checkpoint's signature: Load does, with the log's key.
func ParseState(data []byte) (State, error) {
	var s State
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return State{}, fmt.Errorf("state: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return State{}, fmt.Errorf("state: data after the state")
	}
	if s.Version != stateVersion {
		return State{}, fmt.Errorf("state: version %q, want %q", s.Version, stateVersion)
	}
	if s.Origin == "" {
		return State{}, fmt.Errorf("state: no origin")
	}
	if s.Size < 0 {
		return State{}, fmt.Errorf("state: negative size %d", s.Size)
	}
	r := compactRange{size: s.Size, hashes: s.Range}
	if !r.valid() {
		return State{}, fmt.Errorf("state: %d range hashes for size %d", len(s.Range), s.Size)
	}
	if r.root() != s.Root {
		return State{}, fmt.Errorf("state: range does not hash to the root")
	}
	if s.Checkpoint == "" {
		return State{}, fmt.Errorf("state: no checkpoint")
	}
	return s, nil
}

// Marshal encodes the state as ParseState reads it.
func (s State) Marshal() []byte {
	if s.Range == nil {
		s.Range = []tlog.Hash{}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		panic(err) // only hashes, strings and numbers
	}
	return append(b, '\n')
}

// checkKey checks that the state was saved for the log with this key: its
// checkpoint opens with it and says the saved size and root.
func (s State) checkKey(v note.Verifier) error {
	if s.Origin != v.Name() {
		return fmt.Errorf("state is for log %q, not %q", s.Origin, v.Name())
	}
	size, root, err := ledger.OpenCheckpoint([]byte(s.Checkpoint), v.Name(), v)
	if err != nil {
		return fmt.Errorf("state's checkpoint does not verify with the key: %v", err)
	}
	if size != s.Size || root != s.Root {
		return fmt.Errorf("state's checkpoint (size %d) is not the saved tree (size %d)", size, s.Size)
	}
	return nil
}

// loadState reads the state from dir; ok is false when there is none yet.
func loadState(dir string, v note.Verifier) (s State, ok bool, err error) {
	data, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, fmt.Errorf("%w: %v", ErrState, err)
	}
	if s, err = ParseState(data); err != nil {
		return State{}, false, fmt.Errorf("%w: %s: %v", ErrState, filepath.Join(dir, StateFile), err)
	}
	if err := s.checkKey(v); err != nil {
		return State{}, false, fmt.Errorf("%w: %s: %v", ErrState, filepath.Join(dir, StateFile), err)
	}
	return s, true, nil
}

// saveState writes the state atomically and durably: a temporary file in
// the same directory, synced, renamed over the old one, and the directory
// synced, so that a crash leaves either the old state or the new.
func saveState(dir string, s State) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, StateFile+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if _, err := f.Write(s.Marshal()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, StateFile)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
