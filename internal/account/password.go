package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/truce-monitoring/truce/internal/errs"
)

// Password policy.
const (
	MinPasswordLength = 12  // characters
	MaxPasswordLength = 256 // characters
	// maxPasswordBytes is the longest password Login hashes; a longer one
	// cannot have been set (256 characters are at most 1024 bytes).
	maxPasswordBytes = 4 * MaxPasswordLength
)

// hashParams are argon2id's parameters as a PHC string records them.
type hashParams struct {
	time    uint32 // passes
	memory  uint32 // KiB
	threads uint8
	saltLen int
	keyLen  int
}

// defaultParams follow RFC 9106's second recommendation (64 MiB, t=3)
// with two lanes, for a server that may have two cores.
var defaultParams = hashParams{time: 3, memory: 64 * 1024, threads: 2, saltLen: 16, keyLen: 32}

// Bounds on the parameters a stored hash may claim, so that a damaged or
// tampered credentials row cannot make a sign-in allocate gigabytes.
const (
	maxHashMemory  = 1024 * 1024 // 1 GiB in KiB
	maxHashTime    = 16
	maxHashThreads = 16
)

var b64 = base64.RawStdEncoding

// hashWith returns the PHC string of password under p with a fresh salt.
func hashWith(p hashParams, password string) string {
	salt := make([]byte, p.saltLen)
	rand.Read(salt) // never fails (crypto/rand since Go 1.24)
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(p.keyLen))
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parseHash decodes a PHC string "$argon2id$v=19$m=65536,t=3,p=2$salt$key".
func parseHash(phc string) (p hashParams, salt, key []byte, err error) {
	bad := func(what string) (hashParams, []byte, []byte, error) {
		return hashParams{}, nil, nil, fmt.Errorf("password hash: %s", what)
	}
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return bad("not an argon2id PHC string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version " + parts[2])
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return bad("bad parameters")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		if !ok {
			return bad("bad parameters")
		}
		if vals[i], err = strconv.ParseUint(v, 10, 32); err != nil {
			return bad("bad parameters")
		}
	}
	if vals[0] < 8 || vals[0] > maxHashMemory || vals[1] < 1 || vals[1] > maxHashTime || vals[2] < 1 || vals[2] > maxHashThreads {
		return bad("parameters out of range")
	}
	if salt, err = b64.Strict().DecodeString(parts[4]); err != nil || len(salt) < 8 || len(salt) > 64 {
		return bad("bad salt")
	}
	if key, err = b64.Strict().DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return bad("bad key")
	}
	p = hashParams{memory: uint32(vals[0]), time: uint32(vals[1]), threads: uint8(vals[2]), saltLen: len(salt), keyLen: len(key)}
	return p, salt, key, nil
}

// matchHash reports whether password matches the PHC string, comparing in
// constant time, and whether the hash was made with parameters other than
// want (so that it should be made again).
func matchHash(phc, password string, want hashParams) (match, stale bool, err error) {
	p, salt, key, err := parseHash(phc)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, p != want, nil
}

// acquire waits for a free argon2id slot.
func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashes <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) release() { <-s.hashes }

// hashPassword hashes password with the service's parameters.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	return hashWith(s.params, password), nil
}

// checkHash checks password against phc, or against a dummy hash when phc
// is "" (no such user, no password set) so that the time taken does not
// tell whether the account exists. It reports false for a dummy.
func (s *Service) checkHash(ctx context.Context, phc, password string) (match, stale bool, err error) {
	if len(password) > maxPasswordBytes {
		return false, false, nil // cannot have been set
	}
	known := phc != ""
	if !known {
		s.dummyOnce.Do(func() { s.dummy = hashWith(s.params, GeneratePassword()) })
		phc = s.dummy
	}
	if err := s.acquire(ctx); err != nil {
		return false, false, err
	}
	defer s.release()
	match, stale, err = matchHash(phc, password, s.params)
	return match && known, stale, err
}

// CheckPassword reports whether password meets the policy for the account
// username: 12 to 256 characters of valid UTF-8, not all whitespace, not
// containing the username, and not one of the common passwords that
// guessers try first (an embedded list of some 49,000), case ignored.
// Errors are errs.Invalid on field "password".
func CheckPassword(password, username string) error {
	const field = "password"
	if !utf8.ValidString(password) {
		return errs.Invalid(field, "is not valid UTF-8 text")
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return errs.Invalid(field, "is %d characters long; at least %d are needed", n, MinPasswordLength)
	}
	if n > MaxPasswordLength {
		return errs.Invalid(field, "is %d characters long; at most %d are allowed", n, MaxPasswordLength)
	}
	if strings.TrimFunc(password, unicode.IsSpace) == "" {
		return errs.Invalid(field, "must not be only whitespace")
	}
	if username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return errs.Invalid(field, "must not contain the username")
	}
	if isCommonPassword(password) {
		return errs.Invalid(field, "is one of the most common passwords, which are tried first; choose another")
	}
	return nil
}

// GeneratePassword returns a random password of 26 characters (130 bits
// from crypto/rand) for the CLI and the demo to hand out.
func GeneratePassword() string { return rand.Text() }
