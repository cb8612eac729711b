package registry

import (
	"bytes"
	"strings"
	"testing"
)

func pullEvents(p *Printer) {
	p.Event(Event{Status: "v1: Pulling from team/app"})
	p.Event(Event{ID: "aaaaaaaaaaaa", Status: StatusWaiting, Total: 2000})
	p.Event(Event{ID: "bbbbbbbbbbbb", Status: StatusAlreadyExists})
	for _, n := range []int64{0, 1000, 2000} {
		p.Event(Event{ID: "aaaaaaaaaaaa", Status: StatusDownloading, Current: n, Total: 2000})
	}
	p.Event(Event{ID: "aaaaaaaaaaaa", Status: StatusDownloadComplete, Current: 2000, Total: 2000})
	p.Event(Event{Status: "Digest: sha256:1234"})
	p.Close()
}

func TestPrinterPlainLines(t *testing.T) {
	var out bytes.Buffer
	pullEvents(NewPrinter(&out))
	want := `v1: Pulling from team/app
aaaaaaaaaaaa: Waiting
bbbbbbbbbbbb: Already exists
aaaaaaaaaaaa: Downloading
aaaaaaaaaaaa: Download complete
Digest: sha256:1234
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestPrinterTerminalRedrawsInPlace(t *testing.T) {
	var out bytes.Buffer
	p := NewPrinter(&out)
	p.tty = true
	pullEvents(p)
	s := out.String()
	if !strings.Contains(s, "\x1b[2A") || !strings.Contains(s, "\x1b[2K") {
		t.Errorf("no cursor movement in %q", s)
	}
	// Byte counts redraw at most every 100 ms: only the first shows here.
	if !strings.Contains(s, "Downloading [>   ") || !strings.Contains(s, "0B/2kB") {
		t.Errorf("no progress bar in %q", s)
	}
	// The final screen: the last redraw of each line, then the digest.
	last := s[strings.LastIndex(s, "\x1b[2A"):]
	if !strings.Contains(last, "aaaaaaaaaaaa: Download complete\n") || !strings.HasSuffix(last, "Digest: sha256:1234\n") {
		t.Errorf("final screen %q", last)
	}
}

func TestProgressLine(t *testing.T) {
	got := line(Event{ID: "aaaaaaaaaaaa", Status: StatusPushing, Current: 1000, Total: 2000})
	want := "aaaaaaaaaaaa: Pushing     [=========================>                        ]      1kB/2kB"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{999: "999B", 1000: "1kB", 1234567: "1.23MB", 5e9: "5GB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
