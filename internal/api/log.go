package api

import (
	"net/http"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/ledger"
	"github.com/truce-monitoring/truce/internal/store"
)

// InclusionProof is the answer of /api/v1/log/proof/inclusion.
type InclusionProof struct {
	Seq        int64       `json:"seq"`
	Size       int64       `json:"size"`
	LeafHash   tlog.Hash   `json:"leaf_hash"`
	RootHash   tlog.Hash   `json:"root_hash"`
	Proof      []tlog.Hash `json:"proof"`
	Checkpoint string      `json:"checkpoint,omitempty" doc:"the signed checkpoint of this size, when one was signed"`
}

// ConsistencyProof is the answer of /api/v1/log/proof/consistency.
type ConsistencyProof struct {
	From     int64       `json:"from"`
	To       int64       `json:"to"`
	FromRoot tlog.Hash   `json:"from_root"`
	ToRoot   tlog.Hash   `json:"to_root"`
	Proof    []tlog.Hash `json:"proof"`
}

// LogOpening is the answer of /api/v1/log/opening: a change as the log
// holds it, the opening of a committed leaf, and the leaf's inclusion proof.
type LogOpening struct {
	Seq     int64  `json:"seq"`
	Entity  string `json:"entity"`
	ID      string `json:"id"`
	Leaf    string `json:"leaf" doc:"the leaf data in the log: truce-leaf/v1 (a public record's change) or truce-leaf/v1-committed"`
	Opening string `json:"opening,omitempty" doc:"a committed leaf's opening (truce-opening/v1: salt and the change's v1 leaf); its SHA-256 is the leaf's commitment"`
	// Proof proves the leaf in the tree of the latest signed checkpoint,
	// or of the log's size when the change is newer than that checkpoint.
	Proof InclusionProof `json:"proof"`
}

// History is a record's list of changes.
type History struct {
	Entity   string          `json:"entity"`
	ID       string          `json:"id"`
	Versions []store.Version `json:"versions"`
}

func (s *Server) logRoutes() {
	s.add(Route{Method: "GET", Path: "/log/checkpoint", Summary: "Latest signed checkpoint (C2SP tlog-checkpoint)", Tag: "log", Public: true, Content: "text/plain", ETag: true,
		Handler: s.checkpoint})
	s.add(Route{Method: "GET", Path: "/log/key", Summary: "The log's note verifier key", Tag: "log", Public: true, Content: "text/plain",
		Handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte(s.Ledger.Keys().Public + "\n"))
		}})
	s.add(Route{Method: "GET", Path: "/log/tile/{path...}", Summary: "A tile or entry bundle (C2SP tlog-tiles)", Tag: "log", Public: true, Content: "application/octet-stream", ETag: true,
		Handler: s.tile})
	s.add(Route{Method: "GET", Path: "/api/v1/log/proof/inclusion", Summary: "Inclusion proof of a change in the log", Tag: "log", Public: true,
		Query:    []Param{{Name: "seq", Type: "integer", Required: true, Description: "the change's seq (leaf index)"}, {Name: "size", Type: "integer", Description: "tree size; default: the latest signed checkpoint"}},
		Response: InclusionProof{}, Handler: s.inclusion})
	s.add(Route{Method: "GET", Path: "/api/v1/log/proof/consistency", Summary: "Consistency proof between two tree sizes", Tag: "log", Public: true,
		Query:    []Param{{Name: "from", Type: "integer", Required: true}, {Name: "to", Type: "integer", Description: "default: the latest signed checkpoint"}},
		Response: ConsistencyProof{}, Handler: s.consistency})
	s.add(Route{Method: "GET", Path: "/api/v1/log/opening", Summary: "A change's leaf, the opening of a committed leaf (for a reader entitled to the record) and its inclusion proof", Tag: "log",
		Query:    []Param{{Name: "seq", Type: "integer", Required: true, Description: "the change's seq (leaf index)"}},
		Response: LogOpening{}, Handler: s.opening})
	if s.Proofs != nil {
		s.add(Route{Method: "GET", Path: "/api/v1/log/bundle", Summary: "A change's proof bundle (truce-proof/v1: leaf, opening and body for a reader entitled to the record, inclusion proof, signed checkpoint), to check offline with truce proof verify", Tag: "log",
			Query:   []Param{{Name: "seq", Type: "integer", Required: true, Description: "the change's seq (leaf index)"}},
			Content: "text/plain", Handler: s.bundle})
	}
	s.add(Route{Method: "GET", Path: "/api/v1/history/{entity}/{id}", Summary: "Every change of a record, with leaf hashes", Tag: "log",
		Response: History{}, Handler: s.history})
}

// checkpoint serves the latest checkpoint with its cosignatures: with
// witnesses, the latest the witness policy publishes (or, before any is,
// the latest signed), so that a client checking the policy accepts it.
func (s *Server) checkpoint(w http.ResponseWriter, r *http.Request) {
	var cp store.SignedCheckpoint
	var err error
	if s.Witnesses != nil {
		cp, _, err = s.Witnesses.Published(r.Context())
	} else {
		cp, err = s.Ledger.LatestCheckpoint(r.Context())
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	// A client polling for a new checkpoint sends this back in
	// If-None-Match and gets 304 until the note (or a cosignature) changes.
	w.Header().Set("ETag", contentETag(cp.Note))
	w.Write(cp.Note)
}

func (s *Server) tile(w http.ResponseWriter, r *http.Request) {
	t, err := ledger.ParseTilePath("tile/" + r.PathValue("path"))
	if err != nil {
		s.fail(w, r, errs.NotFound("no such tile"))
		return
	}
	data, err := s.Ledger.Tile(r.Context(), t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	// A tile of a given width never changes.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", contentETag(data))
	w.Write(data)
}

func (s *Server) latestSize(r *http.Request) (int64, []byte, error) {
	cp, err := s.Ledger.LatestCheckpoint(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return cp.Size, cp.Note, nil
}

func (s *Server) inclusion(w http.ResponseWriter, r *http.Request) {
	seq, err := seqParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	size, note, err := s.latestSize(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if q := r.URL.Query().Get("size"); q != "" {
		if size, err = queryInt(r, "size", 0, 1, 1<<62); err != nil {
			s.fail(w, r, err)
			return
		}
		note = nil
		if cp, err := s.Ledger.CheckpointAt(r.Context(), size); err == nil {
			note = cp.Note
		}
	}
	proof, leaf, err := s.Ledger.InclusionProof(r.Context(), seq, size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	root, err := s.Ledger.TreeHashAt(r.Context(), size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if proof == nil {
		proof = []tlog.Hash{}
	}
	httpx.WriteJSON(w, http.StatusOK, InclusionProof{Seq: seq, Size: size, LeafHash: leaf, RootHash: root, Proof: proof, Checkpoint: string(note)})
}

func (s *Server) consistency(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("from") == "" {
		s.fail(w, r, errs.Invalid("from", "is required"))
		return
	}
	from, err := queryInt(r, "from", 0, 0, 1<<62)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	to, _, err := s.latestSize(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if to, err = queryInt(r, "to", to, 0, 1<<62); err != nil {
		s.fail(w, r, err)
		return
	}
	proof, err := s.Ledger.ConsistencyProof(r.Context(), from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fromRoot, err := s.Ledger.TreeHashAt(r.Context(), from)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	toRoot, err := s.Ledger.TreeHashAt(r.Context(), to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if proof == nil {
		proof = []tlog.Hash{}
	}
	httpx.WriteJSON(w, http.StatusOK, ConsistencyProof{From: from, To: to, FromRoot: fromRoot, ToRoot: toRoot, Proof: proof})
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	entity, id := r.PathValue("entity"), r.PathValue("id")
	vs, err := s.Records.History(r.Context(), httpx.PrincipalFrom(r.Context()), entity, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, History{Entity: entity, ID: id, Versions: vs})
}

// opening answers with a change's opening and its inclusion proof to a
// reader who may read its record (record.Registry.Opening decides).
func (s *Server) opening(w http.ResponseWriter, r *http.Request) {
	seq, err := seqParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := s.Records.Opening(r.Context(), httpx.PrincipalFrom(r.Context()), seq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	size, note, err := s.latestSize(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if seq >= size {
		// Not yet in a checkpoint: prove it in the log as committed now
		// (by any server on the database).
		if size, err = s.Ledger.LogSize(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
		note = nil
	}
	proof, leaf, err := s.Ledger.InclusionProof(r.Context(), seq, size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	root, err := s.Ledger.TreeHashAt(r.Context(), size)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if proof == nil {
		proof = []tlog.Hash{}
	}
	httpx.WriteJSON(w, http.StatusOK, LogOpening{Seq: seq, Entity: e.Entity, ID: e.ID, Leaf: string(e.Leaf), Opening: string(e.Opening),
		Proof: InclusionProof{Seq: seq, Size: size, LeafHash: leaf, RootHash: root, Proof: proof, Checkpoint: string(note)}})
}

// bundle answers with a change's proof bundle to a reader who may read its
// record, and as /api/v1/log/opening does (not found) to anyone else.
func (s *Server) bundle(w http.ResponseWriter, r *http.Request) {
	seq, err := seqParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := s.Proofs.Record(r.Context(), httpx.PrincipalFrom(r.Context()), seq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeBundle(w, "truce-"+strconv.FormatInt(seq, 10)+".proof", b)
}

// seqParam reads the required query parameter seq, a change's position in
// the log.
func seqParam(r *http.Request) (int64, error) {
	if r.URL.Query().Get("seq") == "" {
		return 0, errs.Invalid("seq", "is required")
	}
	return queryInt(r, "seq", 0, 0, 1<<62)
}
