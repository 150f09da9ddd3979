package witness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/truce-monitoring/truce/internal/httpx"
)

// MaxBodyBytes bounds an add-checkpoint body: 63 proof lines and a
// checkpoint with well over the 16 signatures a verifier must accept
// (c2sp.org/signed-note), ML-DSA-44 ones included, fit.
const MaxBodyBytes = 256 << 10

// Handler serves the witness protocol (c2sp.org/tlog-witness) with the
// same prefix for submission and monitoring:
//
//	POST /add-checkpoint          cosign a checkpoint
//	GET  /{origin hash}/checkpoint the latest cosigned checkpoint of a log
func (w *Witness) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", w.serveAddCheckpoint)
	mux.HandleFunc("GET /{origin}/checkpoint", w.serveCheckpoint)
	return mux
}

func (w *Witness) serveAddCheckpoint(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		http.Error(rw, fmt.Sprintf("the request body is larger than %d bytes", MaxBodyBytes), http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		http.Error(rw, "the request body could not be read", http.StatusBadRequest)
		return
	}
	cosig, err := w.AddCheckpoint(r.Context(), body)
	if err != nil {
		w.writeError(rw, r, err)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Write(cosig)
}

// statusOf maps a refusal to the status c2sp.org/tlog-witness gives it.
func statusOf(err error) int {
	var old *OldSizeError
	switch {
	case errors.As(err, &old):
		return http.StatusConflict
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnknownLog):
		return http.StatusNotFound
	case errors.Is(err, ErrBadSignature):
		return http.StatusForbidden
	case errors.Is(err, ErrInconsistent):
		return http.StatusUnprocessableEntity
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (w *Witness) writeError(rw http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	var old *OldSizeError
	if errors.As(err, &old) {
		// The body is the latest cosigned size and a newline, so that the
		// client can retry with the proof from it.
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(status)
		fmt.Fprintf(rw, "%d\n", old.Latest)
		return
	}
	msg := err.Error()
	if status == http.StatusInternalServerError {
		w.log.Error("witness: add-checkpoint failed", "err", err)
		msg = "internal error"
	}
	http.Error(rw, msg, status)
}

func (w *Witness) serveCheckpoint(rw http.ResponseWriter, r *http.Request) {
	signed, ok := w.LatestByHash(r.PathValue("origin"))
	if !ok {
		http.Error(rw, "this witness has cosigned no checkpoint of that log", http.StatusNotFound)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Write(signed)
}

// Serve serves the witness on ln until ctx ends, then lets requests in
// flight finish (their state is written before they answer).
func (w *Witness) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           w.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	return httpx.Serve(ctx, hs, ln, w.log)
}
