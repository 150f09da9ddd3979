package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateDoc = flag.Bool("update", false, "rewrite the generated part of docs/cli.md from each command's -h")

const (
	cliDoc       = "../../docs/cli.md"
	cliDocMarker = "<!-- Generated from each command's -h by `go test ./cmd/truce -run TestCLIDoc -update`; do not edit below. -->\n"
)

// cliReference is the generated part of docs/cli.md: truce help, then one
// section per command (and subcommand) holding what its -h prints.
func cliReference(t *testing.T) string {
	var b strings.Builder
	section := func(level string, args ...string) {
		code, out, errOut := runCmd(t, nil, append(args, "-h")...)
		if code != 0 {
			t.Fatalf("truce %s -h: exit %d %s", strings.Join(args, " "), code, errOut)
		}
		fmt.Fprintf(&b, "\n%s truce %s\n\n```text\n%s```\n", level, strings.Join(args, " "), out)
	}
	code, out, _ := runCmd(t, nil, "help")
	if code != 0 {
		t.Fatalf("truce help: exit %d", code)
	}
	fmt.Fprintf(&b, "\n## truce help\n\n```text\n%s```\n", out)
	for _, c := range commands {
		section("##", c.name)
		for _, s := range c.subs {
			section("###", c.name, s)
		}
	}
	return b.String()
}

// docs/cli.md holds every command's -h as the program prints it: a flag
// added, renamed or described anew fails this test until the page is
// regenerated.
func TestCLIDoc(t *testing.T) {
	data, err := os.ReadFile(cliDoc)
	if err != nil {
		t.Fatal(err)
	}
	head, _, ok := strings.Cut(string(data), cliDocMarker)
	if !ok {
		t.Fatalf("%s lacks the marker line %q", cliDoc, cliDocMarker)
	}
	want := head + cliDocMarker + cliReference(t)
	if *updateDoc {
		if err := os.WriteFile(cliDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(data) != want {
		t.Fatalf("%s is not current: run go test ./cmd/truce -run TestCLIDoc -update", cliDoc)
	}
}
