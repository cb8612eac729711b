package cli

import (
	"bytes"
	"io"
	"testing"
	"time"
)

func TestParseDetachKeys(t *testing.T) {
	for in, want := range map[string]string{
		"ctrl-p,ctrl-q": "\x10\x11", "a,b": "ab", "ctrl-@,ctrl-[,ctrl-_": "\x00\x1b\x1f", "CTRL-A": "\x01",
	} {
		got, err := parseDetachKeys(in)
		if err != nil || string(got) != want {
			t.Errorf("parseDetachKeys(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ctrl-1", "ctrl-", "ab", "ctrl-p,"} {
		if _, err := parseDetachKeys(in); err == nil {
			t.Errorf("parseDetachKeys(%q) accepted", in)
		}
	}
}

// Input passes through whole, parts of the sequence included, until the
// whole sequence arrives; then detach is called and nothing more is read.
func TestDetachReader(t *testing.T) {
	pr, pw := io.Pipe()
	detached := make(chan struct{})
	d := &detachReader{r: pr, keys: []byte("\x10\x11"), detach: func() { close(detached) }}
	passed := make(chan []byte, 16)
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := d.Read(buf)
			if err != nil {
				return
			}
			passed <- append([]byte(nil), buf[:n]...)
		}
	}()
	go func() {
		// The last write blocks for ever: nothing reads after the detach.
		for _, chunk := range []string{"ab\x10", "c\x10\x10", "d", "\x10", "\x11", "never"} {
			pw.Write([]byte(chunk))
		}
	}()
	select {
	case <-detached:
	case <-time.After(10 * time.Second):
		t.Fatal("no detach")
	}
	var got bytes.Buffer
	for len(passed) > 0 {
		got.Write(<-passed)
	}
	if want := "ab\x10c\x10\x10d"; got.String() != want {
		t.Errorf("passed on %q, want %q", got.String(), want)
	}
}
