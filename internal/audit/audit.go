// Package audit is Truce's outside monitor: it checks the centre's public
// change log from its C2SP tlog-tiles endpoints alone, as a side's IT
// officer or anyone else would, and remembers what it accepted so that the
// centre cannot later show it a different history.
//
// A run fetches the signed checkpoint, checks the log's signature and the
// witnesses' cosignatures against a policy, proves from the hash tiles that
// the new tree extends the last one accepted, reads every new entry bundle,
// parses each leaf, recomputes the tree from the leaves and compares its
// root with the checkpoint's. Only then is the new checkpoint saved.
package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/ledger"
)

var (
	// ErrInconsistent is a log that failed a check: a bad signature, a
	// missing quorum, a tree that shrank or forked, a bad consistency
	// proof, an entry that does not parse or entries that do not hash to
	// the signed root.
	ErrInconsistent = errors.New("log failed the audit")
	// ErrUnavailable is a log that could not be read: it is not proven
	// inconsistent, only not checked.
	ErrUnavailable = errors.New("could not read the log")
	// ErrState is a state directory that does not hold this log's state.
	ErrState = errors.New("audit state")
)

// Config is what an audit needs.
type Config struct {
	URL      string        // the server's base URL; the log is under URL/log/
	Key      note.Verifier // the log's key, obtained out of band
	Policy   *Policy       // witnesses and quorum; nil requires no cosignature
	StateDir string        // where the last accepted checkpoint is kept
	Client   *http.Client  // nil: http.DefaultClient
	Parallel int           // entry bundles fetched at once; 0: 8
}

// Report says what an audit found.
type Report struct {
	Origin    string
	First     bool  // no state was saved before this run
	OldSize   int64 // the size accepted last time
	Size      int64
	Root      tlog.Hash
	New       int64            // changes since last time
	Committed int64            // of which committed leaves
	Public    map[string]int64 // of which public leaves, by kind of record
	Cosigned  Cosigned
	Requests  int64 // HTTP requests made
	Bytes     int64 // bytes read
	Elapsed   time.Duration
}

// Run audits the log once. Its error wraps ErrInconsistent, ErrUnavailable
// or ErrState; the state is saved only when the log passed.
func Run(ctx context.Context, c Config) (Report, error) {
	start := time.Now()
	if c.Client == nil {
		c.Client = http.DefaultClient
	}
	if c.Parallel <= 0 {
		c.Parallel = 8
	}
	f := &fetcher{ctx: ctx, client: c.Client, base: strings.TrimRight(c.URL, "/")}
	rep, err := run(ctx, c, f)
	rep.Requests, rep.Bytes, rep.Elapsed = f.requests.Load(), f.bytes.Load(), time.Since(start)
	return rep, err
}

func run(ctx context.Context, c Config, f *fetcher) (Report, error) {
	rep := Report{Origin: c.Key.Name(), Public: map[string]int64{}}
	old, ok, err := loadState(c.StateDir, c.Key)
	if err != nil {
		return rep, err
	}
	rep.First, rep.OldSize = !ok, old.Size
	signed, err := f.checkpoint()
	if err != nil {
		return rep, err
	}
	size, root, err := ledger.OpenCheckpoint(signed, c.Key.Name(), c.Key)
	rep.Size, rep.Root = size, root
	now := fmt.Sprintf("checkpoint size %d", size)
	if err != nil {
		now = "unverified checkpoint claiming size " + claimedSize(signed)
	}
	fail := func(format string, args ...any) error {
		was := "no saved state"
		if ok {
			was = fmt.Sprintf("saved size %d", old.Size)
		}
		return fmt.Errorf("%w (%s, %s): %s", ErrInconsistent, was, now, fmt.Sprintf(format, args...))
	}
	if err != nil {
		return rep, fail("the checkpoint does not verify with the log's key %s: %v", c.Key.Name(), err)
	}
	if c.Policy != nil {
		rep.Cosigned, err = c.Policy.Check(signed)
		if err != nil {
			return rep, fail("%v", err)
		}
	}
	switch {
	case size < old.Size:
		return rep, fail("the log shrank: it signed %d entries, fewer than the %d already accepted", size, old.Size)
	case ok && size == old.Size && root != old.Root:
		return rep, fail("a fork: two different trees of size %d are signed (root %s accepted, now %s)", size, old.Root, root)
	case old.Size > 0 && size > old.Size:
		proof, err := tlog.ProveTree(size, old.Size, tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tileReader{f}))
		if errors.Is(err, ErrUnavailable) {
			return rep, err
		}
		if err != nil {
			return rep, fail("the hash tiles do not match the checkpoint: %v", err)
		}
		if err := tlog.CheckTree(proof, size, root, old.Size, old.Root); err != nil {
			return rep, fail("the tree of size %d does not extend the accepted tree of size %d (a fork or a rewritten history): %v", size, old.Size, err)
		}
	}
	tree := compactRange{size: old.Size, hashes: old.Range}
	if err := readEntries(ctx, c, f, &tree, size, &rep, fail); err != nil {
		return rep, err
	}
	if got := tree.root(); got != root {
		return rep, fail("the entries %d..%d do not hash to the checkpoint's root (entries edited, inserted or removed)", old.Size, size)
	}
	st := State{Version: stateVersion, Origin: c.Key.Name(), Size: size, Root: root, Range: tree.hashes, Checkpoint: string(signed)}
	if err := saveState(c.StateDir, st); err != nil {
		return rep, fmt.Errorf("save state: %w", err)
	}
	return rep, nil
}

// claimedSize is the size line of a checkpoint that did not verify, for
// the message; "?" when there is none.
func claimedSize(signed []byte) string {
	lines := strings.SplitN(string(signed), "\n", 3)
	if len(lines) < 3 {
		return "?"
	}
	if _, err := strconv.ParseUint(lines[1], 10, 64); err != nil {
		return "?"
	}
	return lines[1]
}

type bundleResult struct {
	hashes    []tlog.Hash
	public    map[string]int64
	committed int64
	err       error
}

// readEntries reads the entry bundles from tree.size to size, parallel
// fetches consumed in order, and appends each leaf's hash to tree.
func readEntries(ctx context.Context, c Config, f *fetcher, tree *compactRange, size int64, rep *Report, fail func(string, ...any) error) error {
	if size <= tree.size {
		return nil
	}
	first, last := tree.size/ledger.TileWidth, (size-1)/ledger.TileWidth
	from := tree.size
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan bundleResult, last-first+1)
	for i := range results {
		results[i] = make(chan bundleResult, 1)
	}
	slots := make(chan struct{}, c.Parallel)
	go func() {
		for i := range results {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() { results[i] <- readBundle(f, first+int64(i), from, size, fail) }()
		}
	}()
	for i := range results {
		var r bundleResult
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", ErrUnavailable, ctx.Err())
		}
		<-slots
		if r.err != nil {
			return r.err
		}
		for _, h := range r.hashes {
			tree.append(h)
		}
		for k, n := range r.public {
			rep.Public[k] += n
		}
		rep.Committed += r.committed
		rep.New += int64(len(r.hashes))
	}
	return nil
}

var (
	publicPrefix    = []byte(ledger.LeafVersion + "\n")
	committedPrefix = []byte(ledger.CommittedLeafVersion + "\n")
)

// readBundle reads bundle n and parses and hashes its entries from index
// from on.
func readBundle(f *fetcher, n, from, size int64, fail func(string, ...any) error) bundleResult {
	data, w, err := f.bundle(n, size)
	if err != nil {
		return bundleResult{err: err}
	}
	entries, err := ledger.SplitEntries(data)
	if err != nil {
		return bundleResult{err: fail("entry bundle %d: %v", n, err)}
	}
	if len(entries) != w {
		return bundleResult{err: fail("entry bundle %d has %d entries, want %d", n, len(entries), w)}
	}
	r := bundleResult{public: map[string]int64{}}
	for j, e := range entries {
		idx := n*ledger.TileWidth + int64(j)
		if idx < from {
			continue
		}
		var seq int64
		switch {
		case bytes.HasPrefix(e, publicPrefix):
			l, err := ledger.ParseLeaf(e)
			if err != nil {
				return bundleResult{err: fail("entry %d: %v", idx, err)}
			}
			seq = l.Seq
			r.public[l.Entity]++
		case bytes.HasPrefix(e, committedPrefix):
			l, err := ledger.ParseCommittedLeaf(e)
			if err != nil {
				return bundleResult{err: fail("entry %d: %v", idx, err)}
			}
			seq = l.Seq
			r.committed++
		default:
			first, _, _ := bytes.Cut(e, []byte("\n"))
			return bundleResult{err: fail("entry %d: unknown leaf format %.40q", idx, first)}
		}
		if seq != idx {
			return bundleResult{err: fail("entry %d says it is seq %d", idx, seq)}
		}
		r.hashes = append(r.hashes, tlog.RecordHash(e))
	}
	return r
}
