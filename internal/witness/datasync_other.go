//go:build !linux

package witness

import "os"

// datasync is fsync where fdatasync is not available (on macOS, Go's
// Sync is F_FULLFSYNC).
func datasync(f *os.File) error { return f.Sync() }
