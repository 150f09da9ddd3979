package proof

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/audit"
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/report"
)

// ErrFailed wraps every reason a bundle does not prove what it claims.
var ErrFailed = errors.New("proof fails")

func failed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFailed, fmt.Sprintf(format, args...))
}

// Keys are what a verifier trusts, obtained out of band: the log's key
// and, optionally, a policy of witnesses and the quorum of cosignatures
// it requires.
type Keys struct {
	Log    note.Verifier
	Policy *audit.Policy // nil: no cosignature is required
}

// File is a file given beside a bundle to check against what the bundle's
// report lists.
type File struct {
	Name string // as the user named it, for messages
	Data []byte
}

// Result is what a bundle was found to prove.
type Result struct {
	Origin string
	Index  int64
	Size   int64     // the size of the checkpoint's tree
	Root   tlog.Hash // its root hash
	// Committed: the log holds a committed leaf; Opened: the bundle opens
	// it. Change is the change's fields when the leaf is public or opened.
	Committed, Opened bool
	Change            *ledger.Leaf
	// BodyChecked: the bundle holds the body and it hashes to the leaf's
	// body-sha256.
	BodyChecked bool
	// Cosigners are the witnesses whose cosignature the checkpoint carries
	// and verifies, with the policy's name when the policy knows the key.
	Cosigners []Cosigner
	// Quorum is the policy's quorum, met; "" when no policy was given.
	Quorum string
	// Report is set when the change is an issued report whose body the
	// bundle holds.
	Report *ReportResult
}

// Cosigner is one verified cosignature.
type Cosigner struct {
	Name    string    // the key's name
	Policy  string    // the witness's name in the policy; "" when the policy does not name the key
	Time    time.Time // when the witness cosigned
	Printed bool      // on the printed checkpoint rather than the bundle's
}

// ReportResult is what a bundle proves of an issued report.
type ReportResult struct {
	Body report.IssuedBody
	// PrintedSize and PrintedRoot are the checkpoint the footer names,
	// proven a prefix of the bundle's tree; PrintedSize is -1 when the
	// report's footer names no checkpoint (issued before footers did).
	PrintedSize int64
	PrintedRoot tlog.Hash
	// Files are the files given, each matched to the report's file of
	// that hash.
	Files []CheckedFile
}

// CheckedFile is a file given that the report lists.
type CheckedFile struct {
	Name   string // as given
	Format string // json, html, pdf or csv
	Table  string // csv: the table
}

// Verify checks a bundle offline and says what it proves: the
// checkpoint's signature by the log's key, every other signature line by a
// key given (the policy's witnesses, or the bundle's cosigner keys), the
// policy's quorum, the leaf at its index under the checkpoint's root, the
// opening against the committed leaf, the body against the leaf's hash,
// and for a report the consistency from the checkpoint its footer printed
// and each file given against the hashes the report lists. Any failure is
// an error wrapping ErrFailed.
func Verify(data []byte, keys Keys, files []File) (Result, error) {
	var res Result
	if keys.Log == nil {
		return res, fmt.Errorf("no log key")
	}
	b, err := Parse(data)
	if err != nil {
		return res, failed("%v", err)
	}
	res.Origin, res.Index = b.Origin, b.Index

	// The signed notes: every signature line checked.
	cands, err := candidates(keys, b.Cosigners)
	if err != nil {
		return res, failed("%v", err)
	}
	used := map[string]bool{}
	cp, cosigners, err := openCheckpoint(b.Checkpoint, b.Origin, keys, cands, used)
	if err != nil {
		return res, failed("checkpoint: %v", err)
	}
	res.Size, res.Root = cp.size, cp.root
	res.Cosigners = cosigners
	if keys.Policy != nil {
		if _, err := keys.Policy.Check(b.Checkpoint); err != nil {
			return res, failed("checkpoint: %v", err)
		}
		res.Quorum = keys.Policy.Quorum
	}

	// The leaf, its opening and its body.
	var change *ledger.Leaf
	if bytes.HasPrefix(b.Leaf, []byte(ledger.CommittedLeafVersion+"\n")) {
		res.Committed = true
		c, err := ledger.ParseCommittedLeaf(b.Leaf)
		if err != nil {
			return res, failed("%v", err)
		}
		if c.Seq != b.Index {
			return res, failed("the leaf says seq %d, the bundle index %d", c.Seq, b.Index)
		}
		if b.Opening != nil {
			l, err := ledger.CheckOpening(b.Leaf, b.Opening)
			if err != nil {
				return res, failed("%v", err)
			}
			change, res.Opened = &l, true
		}
	} else {
		if b.Opening != nil {
			return res, failed("an opening is given for a public leaf")
		}
		l, err := ledger.ParseLeaf(b.Leaf)
		if err != nil {
			return res, failed("%v", err)
		}
		change = &l
	}
	if change != nil && change.Seq != b.Index {
		return res, failed("the leaf says seq %d, the bundle index %d", change.Seq, b.Index)
	}
	res.Change = change
	if b.Body != nil {
		if change == nil {
			return res, failed("a body is given for a committed leaf without its opening")
		}
		if sha256.Sum256(b.Body) != change.BodySHA256 {
			return res, failed("the body does not hash to the leaf's body-sha256")
		}
		res.BodyChecked = true
	}

	// The leaf is in the tree.
	if b.Index >= cp.size {
		return res, failed("index %d is not in the checkpoint's tree of size %d", b.Index, cp.size)
	}
	if err := tlog.CheckRecord(b.Inclusion, cp.size, cp.root, b.Index, tlog.RecordHash(b.Leaf)); err != nil {
		return res, failed("the inclusion proof does not lead from the leaf to the checkpoint's root")
	}

	// A report: the printed checkpoint and the files.
	isReport := change != nil && change.Entity == report.EntityReport && b.Body != nil
	var rr *ReportResult
	if isReport {
		rr = &ReportResult{PrintedSize: -1}
		if err := json.Unmarshal(b.Body, &rr.Body); err != nil {
			return res, failed("the report's body: %v", err)
		}
		if rr.Body.LogSeq != b.Index {
			return res, failed("the report names log entry %d, the bundle index %d", rr.Body.LogSeq, b.Index)
		}
	}
	if b.Printed != nil {
		if !isReport || rr.Body.Checkpoint == nil {
			return res, failed("a printed checkpoint is given for a change that is not a report naming one")
		}
		pcp, pcos, err := openCheckpoint(b.Printed, b.Origin, keys, cands, used)
		if err != nil {
			return res, failed("printed checkpoint: %v", err)
		}
		for i := range pcos {
			pcos[i].Printed = true
		}
		res.Cosigners = append(res.Cosigners, pcos...)
		want := rr.Body.Checkpoint
		if pcp.size != want.Size || hex.EncodeToString(pcp.root[:]) != want.Root {
			return res, failed("the printed checkpoint (size %d) is not the one the report names (size %d)", pcp.size, want.Size)
		}
		if pcp.size > b.Index {
			return res, failed("the printed checkpoint (size %d) already holds the report's entry %d", pcp.size, b.Index)
		}
		if err := checkConsistency(b.Consistency, pcp, cp); err != nil {
			return res, failed("%v", err)
		}
		rr.PrintedSize, rr.PrintedRoot = pcp.size, pcp.root
	} else if isReport && rr.Body.Checkpoint != nil {
		return res, failed("the report names checkpoint %d and the bundle does not prove it", rr.Body.Checkpoint.Size)
	}
	for _, k := range b.Cosigners {
		if !used[k] {
			return res, failed("cosigner key %.40s… signs no line of the checkpoints", k)
		}
	}
	if len(files) > 0 && rr == nil {
		return res, failed("files are given but the bundle holds no issued report's body that lists files")
	}
	for _, f := range files {
		cf, err := matchFile(rr.Body, f)
		if err != nil {
			return res, err
		}
		rr.Files = append(rr.Files, cf)
	}
	res.Report = rr
	return res, nil
}

func matchFile(b report.IssuedBody, f File) (CheckedFile, error) {
	sum := sha256.Sum256(f.Data)
	h := hex.EncodeToString(sum[:])
	for _, lf := range b.Files {
		if lf.SHA256 == h {
			if lf.Size != int64(len(f.Data)) {
				return CheckedFile{}, failed("%s: its hash is listed with a size of %d bytes, it has %d", f.Name, lf.Size, len(f.Data))
			}
			return CheckedFile{Name: f.Name, Format: lf.Format, Table: lf.Name}, nil
		}
	}
	return CheckedFile{}, failed("%s (SHA-256 %s) is not one of the report's files", f.Name, h)
}

// checkpoint is an opened checkpoint's tree.
type checkpoint struct {
	size int64
	root tlog.Hash
}

// candidate is a key a signature line may be checked with.
type candidate struct {
	v      note.Verifier
	policy string // the policy's witness name
	bundle string // the bundle's cosigner vkey
	log    bool
}

func candidates(keys Keys, cosigners []string) ([]candidate, error) {
	cs := []candidate{{v: keys.Log, log: true}}
	if keys.Policy != nil {
		for _, w := range keys.Policy.Witnesses {
			cs = append(cs, candidate{v: w.Verifier, policy: w.Name})
		}
	}
	for _, k := range cosigners {
		if !canonicalVKey(k) {
			return nil, fmt.Errorf("cosigner key %.40q is not written as name+8 lowercase hex digits+canonical base64", k)
		}
		v, err := audit.NewCosignatureVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("cosigner: %v", err)
		}
		cs = append(cs, candidate{v: v, bundle: k})
	}
	return cs, nil
}

// openCheckpoint checks a signed checkpoint strictly and returns its tree
// and the cosignatures on it. Every signature line must be in canonical
// base64, appear once, and verify with every key given that bears its
// name and key hash — and with at least one: a line no key checks could
// be changed unseen, so it is refused. The log's key must sign it.
func openCheckpoint(signed []byte, origin string, keys Keys, cands []candidate, used map[string]bool) (checkpoint, []Cosigner, error) {
	var cp checkpoint
	split := bytes.LastIndex(signed, []byte("\n\n"))
	if split < 0 || !bytes.HasSuffix(signed, []byte("\n")) {
		return cp, nil, fmt.Errorf("not a signed note")
	}
	text, sigs := signed[:split+1], signed[split+2:]
	type nameHash struct {
		name string
		hash uint32
	}
	seen := map[nameHash]bool{}
	logSigned := false
	var cos []Cosigner
	for _, line := range strings.SplitAfter(string(sigs), "\n") {
		if line == "" {
			continue
		}
		rest, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "— ")
		if !ok {
			return cp, nil, fmt.Errorf("a signature line does not start with \"— \"")
		}
		name, b64, ok := strings.Cut(rest, " ")
		raw, err := base64.StdEncoding.Strict().DecodeString(b64)
		if !ok || name == "" || err != nil || len(raw) < 5 || base64.StdEncoding.EncodeToString(raw) != b64 {
			return cp, nil, fmt.Errorf("a signature line of %.40q is malformed", name)
		}
		nh := nameHash{name, binary.BigEndian.Uint32(raw)}
		if seen[nh] {
			return cp, nil, fmt.Errorf("two signature lines by %s", name)
		}
		seen[nh] = true
		var cosigner *Cosigner
		checked := 0
		for _, c := range cands {
			if c.v.Name() != nh.name || c.v.KeyHash() != nh.hash {
				continue
			}
			if !c.v.Verify(text, raw[4:]) {
				return cp, nil, fmt.Errorf("the signature by %s does not verify", name)
			}
			checked++
			switch {
			case c.log:
				logSigned = true
			case c.bundle != "":
				used[c.bundle] = true
			}
			if !c.log {
				if cosigner == nil {
					cosigner = &Cosigner{Name: name, Time: cosignedAt(raw)}
				}
				if c.policy != "" {
					cosigner.Policy = c.policy
				}
			}
		}
		if checked == 0 {
			return cp, nil, fmt.Errorf("the signature by %s (key hash %08x) is checked by no key given: give a --policy naming that witness", name, nh.hash)
		}
		if cosigner != nil {
			cos = append(cos, *cosigner)
		}
	}
	if !logSigned {
		return cp, nil, fmt.Errorf("not signed by the log's key %s", keys.Log.Name())
	}
	// Every line is verified above; the text need only be read. (It is
	// signed, so its spelling cannot change unseen.)
	var c log.Checkpoint
	if _, err := c.Unmarshal(text); err != nil {
		return cp, nil, err
	}
	if c.Origin != origin {
		return cp, nil, fmt.Errorf("the checkpoint is of log %.60q, the bundle of %.60q", c.Origin, origin)
	}
	if len(c.Hash) != len(cp.root) || c.Size > 1<<62 {
		return cp, nil, fmt.Errorf("malformed tree")
	}
	cp.size = int64(c.Size)
	copy(cp.root[:], c.Hash)
	slices.SortFunc(cos, func(a, b Cosigner) int { return strings.Compare(a.Name, b.Name) })
	return cp, cos, nil
}

// cosignedAt reads a cosignature/v1 timestamp (after the key hash).
func cosignedAt(raw []byte) time.Time {
	if len(raw) != 4+8+64 {
		return time.Time{}
	}
	return time.Unix(int64(binary.BigEndian.Uint64(raw[4:])&(1<<63-1)), 0).UTC()
}

// emptyRoot is the root of the empty tree.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// checkConsistency checks that the tree from is a prefix of the tree to.
func checkConsistency(p []tlog.Hash, from, to checkpoint) error {
	switch {
	case from.size > to.size:
		return fmt.Errorf("the printed checkpoint (size %d) is larger than the bundle's (size %d)", from.size, to.size)
	case from.size == 0:
		if len(p) != 0 || from.root != emptyRoot {
			return fmt.Errorf("the consistency proof from the empty tree must be empty")
		}
		return nil
	case from.size == to.size:
		if len(p) != 0 || from.root != to.root {
			return fmt.Errorf("the printed checkpoint and the bundle's differ at the same size")
		}
		return nil
	}
	if err := tlog.CheckTree(p, to.size, to.root, from.size, from.root); err != nil {
		return fmt.Errorf("the consistency proof from the printed checkpoint (size %d) to the bundle's (size %d) does not verify", from.size, to.size)
	}
	return nil
}

// canonicalVKey reports whether a vkey is spelt the one way a key is
// written: its key hash in eight lowercase hex digits and its key in
// padded base64 with no stray bits (parsers accept other spellings).
func canonicalVKey(k string) bool {
	parts := strings.SplitN(k, "+", 3)
	if len(parts) != 3 || len(parts[1]) != 8 {
		return false
	}
	for i := 0; i < 8; i++ {
		if c := parts[1][i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(parts[2])
	return err == nil && base64.StdEncoding.EncodeToString(raw) == parts[2]
}
