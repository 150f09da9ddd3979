package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal: what a command writes to tty, the test
// reads from the returned buffer once done is called.
func openPTY(t *testing.T) (tty *os.File, done func() string) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		master.Close()
		t.Skipf("unlockpt: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		master.Close()
		t.Skipf("ptsname: %v", e)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("open the terminal: %v", err)
	}
	var got bytes.Buffer
	read := make(chan struct{})
	go func() { io.Copy(&got, master); close(read) }()
	return tty, func() string {
		tty.Close()
		<-read // the master reads EIO once the terminal is closed
		master.Close()
		return got.String()
	}
}

// On a terminal the long commands draw a progress line on standard error
// and clear it before the result; --quiet draws none.
func TestProgressOnTerminal(t *testing.T) {
	stream := filepath.Join(t.TempDir(), "s.jsonl")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"simulate", "--events", "3000", "--days", "30", "--out", stream}, "simulate: lines written"},
		{[]string{"bench", "fusion", "--in", stream}, "bench fusion: reading bytes"},
	} {
		tty, done := openPTY(t)
		var out bytes.Buffer
		code := run(context.Background(), tc.args, func(string) string { return "" }, strings.NewReader(""), &out, tty)
		got := done()
		if code != 0 || !strings.Contains(got, tc.want) || !strings.Contains(got, "\033[K") {
			t.Errorf("%v on a terminal: exit %d, terminal got %q; want a progress line %q", tc.args[:2], code, got, tc.want)
		}
		if strings.Contains(out.String(), tc.want) {
			t.Errorf("%v: progress went to standard output", tc.args[:2])
		}
	}
	tty, done := openPTY(t)
	code := run(context.Background(), []string{"simulate", "--events", "3000", "--out", stream, "--quiet"}, func(string) string { return "" }, strings.NewReader(""), io.Discard, tty)
	if got := done(); code != 0 || got != "" {
		t.Errorf("simulate --quiet on a terminal: exit %d, terminal got %q; want nothing", code, got)
	}
}
