package registry

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The states of a layer, as Docker names them. Pull goes Waiting,
// Downloading, Verifying, Download complete (or Already exists); push goes
// Waiting, Pushing, Pushed (or Layer already exists, or Mounted).
const (
	StatusWaiting          = "Waiting"
	StatusDownloading      = "Downloading"
	StatusVerifying        = "Verifying Checksum"
	StatusDownloadComplete = "Download complete"
	StatusAlreadyExists    = "Already exists"
	StatusPushing          = "Pushing"
	StatusPushed           = "Pushed"
	StatusLayerExists      = "Layer already exists"
	StatusMounted          = "Mounted from another repository"
)

// Event is one step of a pull or push. An event with an ID is about one
// layer; one without is a line about the whole image ("Digest: sha256:…").
type Event struct {
	ID      string // the layer's short digest, 12 hex digits
	Status  string
	Current int64 // bytes moved so far, while Downloading or Pushing
	Total   int64 // the layer's size
}

// shortID is the ID events carry for a digest: its first 12 hex digits.
func shortID(d fmt.Stringer) string {
	s := d.String()
	if _, hex, ok := strings.Cut(s, ":"); ok {
		s = hex
	}
	return s[:min(12, len(s))]
}

// Printer draws events as Docker does. On a terminal it keeps one line
// per layer and redraws them in place with ANSI cursor movement; anywhere
// else (a log file, a pipe, CI) it prints a line per change of state and
// leaves byte counts out, so the output stays readable and short.
type Printer struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	order    []string
	layers   map[string]Event
	drawn    int       // lines of the current block on the screen
	lastDraw time.Time // throttles redraws of byte counts
}

// NewPrinter prints to w, as a terminal if w is one.
func NewPrinter(w io.Writer) *Printer {
	return &Printer{w: w, tty: isTerminal(w), layers: map[string]Event{}}
}

// isTerminal reports whether w is a character device that answers TCGETS.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// Event records e and prints what changed. It is safe to call from
// several goroutines; use it as RemoteOptions.Progress.
func (p *Printer) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.ID == "" {
		p.message(e.Status)
		return
	}
	old, seen := p.layers[e.ID]
	if !seen {
		p.order = append(p.order, e.ID)
	}
	p.layers[e.ID] = e
	changed := !seen || old.Status != e.Status
	switch {
	case !p.tty && changed:
		fmt.Fprintf(p.w, "%s: %s\n", e.ID, e.Status)
	case p.tty && (changed || time.Since(p.lastDraw) > 100*time.Millisecond):
		p.redraw()
	}
}

// message prints a line about the whole image below the layer block, and
// starts a new block for any layers after it.
func (p *Printer) message(s string) {
	if p.tty {
		p.redraw()
	}
	fmt.Fprintln(p.w, s)
	p.order, p.layers, p.drawn = nil, map[string]Event{}, 0
}

// redraw moves the cursor to the top of the block and rewrites each line.
func (p *Printer) redraw() {
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	for _, id := range p.order {
		fmt.Fprintf(&b, "\x1b[2K%s\n", line(p.layers[id]))
	}
	io.WriteString(p.w, b.String())
	p.drawn = len(p.order)
	p.lastDraw = time.Now()
}

// Close ends the output; the Printer draws nothing afterwards that it
// has not drawn already.
func (p *Printer) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.drawn > 0 {
		p.redraw()
	}
}

// line is one layer's line: "id: Downloading [==>   ]  1.2MB/3.4MB".
func line(e Event) string {
	if (e.Status != StatusDownloading && e.Status != StatusPushing) || e.Total <= 0 {
		return e.ID + ": " + e.Status
	}
	const width = 50
	done := int(min(e.Current, e.Total) * width / e.Total)
	bar := strings.Repeat("=", done)
	if done < width {
		bar += ">" + strings.Repeat(" ", width-done-1)
	}
	return fmt.Sprintf("%s: %-11s [%s] %8s/%s", e.ID, e.Status, bar, humanSize(e.Current), humanSize(e.Total))
}

// humanSize is Docker's decimal size: "1.23MB".
func humanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f, i := float64(n), 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%dB", n)
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}
