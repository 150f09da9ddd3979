package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Opened WithExisting, a place that holds no log is refused with
// ErrNoDataDir and left as it was; one that holds a log opens.
func TestOpenWithExisting(t *testing.T) {
	ctx := context.Background()
	missing := filepath.Join(t.TempDir(), "missing")
	empty := t.TempDir()
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o600)
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o600)
	for name, dir := range map[string]string{"missing": missing, "empty": empty, "someone else's files": foreign, "a file": file} {
		t.Run(name, func(t *testing.T) {
			before, _ := os.ReadDir(dir)
			db, err := Open(ctx, dir, append(testDatabase(t, dir), WithExisting())...)
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, ErrNoDataDir) {
				t.Fatalf("error %v, want ErrNoDataDir", err)
			}
			after, _ := os.ReadDir(dir)
			if len(after) != len(before) {
				t.Fatalf("the directory changed: %v to %v", before, after)
			}
			if name == "missing" {
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Fatalf("%s was made", dir)
				}
			}
		})
	}
	// A log made without the option opens with it, its key unchanged.
	dir := filepath.Join(t.TempDir(), "log")
	db := mustOpen(t, dir)
	writeNote(t, db, "n1", note{Title: "one", Count: 1})
	key := db.Keys().Public
	db.Close()
	again, err := Open(ctx, dir, append(testDatabase(t, dir), WithExisting())...)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.Keys().Public != key || again.Size() != 1 {
		t.Fatalf("reopened with key %q size %d, want %q and 1", again.Keys().Public, again.Size(), key)
	}
	// OpenForAudit refuses a missing directory the same way.
	if _, err := OpenForAudit(ctx, missing); !errors.Is(err, ErrNoDataDir) {
		t.Fatalf("OpenForAudit of a missing directory: %v", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatal("OpenForAudit made the directory")
	}
}
