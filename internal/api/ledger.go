package api

import (
	"context"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/store"
)

// Ledger is what the API reads of the change log itself: the key,
// checkpoints, tiles and proofs. It holds no way to read a record, its body
// or its opening, or to run a query: those come from the domain services
// and the record registry, with the principal.
type Ledger interface {
	Keys() *ledger.Keys
	LogSize(ctx context.Context) (int64, error)
	Checkpoint(ctx context.Context) error
	LatestCheckpoint(ctx context.Context) (store.SignedCheckpoint, error)
	CheckpointAt(ctx context.Context, size int64) (store.SignedCheckpoint, error)
	Tile(ctx context.Context, t tlog.Tile) ([]byte, error)
	InclusionProof(ctx context.Context, seq, size int64) (tlog.RecordProof, tlog.Hash, error)
	ConsistencyProof(ctx context.Context, from, to int64) (tlog.TreeProof, error)
	TreeHashAt(ctx context.Context, size int64) (tlog.Hash, error)
}
