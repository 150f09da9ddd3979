package account

import (
	"testing"

	"github.com/truce-monitoring/truce/internal/errs"
)

func TestCommonPasswordListIsReal(t *testing.T) {
	list := commonPasswords()
	if len(list) < 10_000 {
		t.Fatalf("%d common passwords, want at least 10,000", len(list))
	}
	for _, p := range []string{"123456", "password", "qwerty123456", "1qaz2wsx3edc"} {
		if !isCommonPassword(p) {
			t.Errorf("%q is not in the list", p)
		}
	}
}

// Structure item 7 of issue 13: passwords that contain the user name or
// are common are refused, case ignored.
func TestCheckPasswordRefusesWeakOnes(t *testing.T) {
	for _, c := range []struct{ name, password, username string }{
		{"common", "qwerty123456", "anna"},
		{"common in capitals", "QWERTY123456", "anna"},
		{"common with spaces around", "  1qaz2wsx3edc ", "anna"},
		{"the username inside", "my anna password", "anna"},
		{"the username inside, in capitals", "my ANNA password", "anna"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, CheckPassword(c.password, c.username), errs.CodeInvalid, "password")
		})
	}
	if err := CheckPassword("correct horse battery", "anna"); err != nil {
		t.Errorf("a good password: %v", err)
	}
}

func BenchmarkIsCommonPassword(b *testing.B) {
	commonPasswords()
	for b.Loop() {
		isCommonPassword("Correct Horse Battery Staple")
	}
}
