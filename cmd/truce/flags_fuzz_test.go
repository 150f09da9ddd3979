package main

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// parseInterspersed takes any command line: it ends in help (0), a usage
// error (2) or the positional arguments, each one of the words given, in
// their order, with every flag's value set from the words.
func FuzzParseInterspersed(f *testing.F) {
	for _, s := range []string{"a\x00--quiet\x00b", "--name\x00x\x00f", "-h", "--\x00--name\x00y", "--name", "--nope\x00z", "-\x00--name=\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		var out, errOut bytes.Buffer
		e := &env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errOut}
		fs := newFlags(e, "fuzz", "fuzz [flags] FILE...")
		fs.Bool("quiet", false, "")
		fs.String("name", "", "")
		pos, err := parseInterspersed(fs, e, args)
		var code exitCode
		switch {
		case errors.As(err, &code):
			if code != exitOK && code != exitUsage {
				t.Fatalf("exit %d", code)
			}
			if code == exitOK && out.Len() == 0 {
				t.Fatal("help printed nothing on stdout")
			}
			return
		case err != nil:
			t.Fatalf("error %v that is not an exit code", err)
		}
		rest := args
		for _, p := range pos {
			i := slices.Index(rest, p)
			if i < 0 {
				t.Fatalf("positional %q is not one of the words left %q", p, rest)
			}
			rest = rest[i+1:]
		}
	})
}
