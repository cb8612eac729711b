package logs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
	"unicode/utf8"
)

// Writer appends entries to a container's log and rotates it. It is safe
// for concurrent use: the monitor's stdout and stderr copiers share one.
type Writer struct {
	cfg  Config
	mu   sync.Mutex
	f    *os.File
	size int64
	buf  []byte // the entry being encoded, reused
}

// Open opens cfg.Path for appending, creating it if need be.
func Open(cfg Config) (*Writer, error) {
	if cfg.Path == "" {
		return nil, errors.New("opening log: no path")
	}
	w := &Writer{cfg: cfg}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) open() error {
	f, err := os.OpenFile(w.cfg.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("opening log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("opening log: %w", err)
	}
	w.f, w.size = f, st.Size()
	return nil
}

// Close closes the current file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Close()
}

// WriteEntry appends one entry with a single write, rotating first when the
// entry would take the file past MaxSize.
func (w *Writer) WriteEntry(stream string, line []byte, t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = appendEntry(w.buf[:0], stream, line, t)
	if w.cfg.MaxSize > 0 && w.size > 0 && w.size+int64(len(w.buf)) > w.cfg.MaxSize {
		if err := w.rotate(); err != nil {
			return err
		}
	}
	n, err := w.f.Write(w.buf)
	w.size += int64(n)
	if err != nil {
		return fmt.Errorf("writing log: %w", err)
	}
	return nil
}

// rotate shifts Path.N-1 to Path.N, ..., Path to Path.1 and starts a new
// Path; with MaxFiles <= 1 it empties Path instead.
func (w *Writer) rotate() error {
	if w.cfg.MaxFiles <= 1 {
		if err := w.f.Truncate(0); err != nil {
			return fmt.Errorf("truncating log: %w", err)
		}
		w.size = 0
		return nil
	}
	for n := w.cfg.MaxFiles - 1; n > 0; n-- {
		err := os.Rename(w.cfg.rotated(n-1), w.cfg.rotated(n))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotating log: %w", err)
		}
	}
	w.f.Close()
	return w.open()
}

// Stream returns a writer that turns what one stream of the container
// writes into entries of that stream.
func (w *Writer) Stream(name string) *LineWriter {
	return &LineWriter{w: w, stream: name}
}

// LineWriter splits a stream into lines, each an entry. A line still
// unfinished stays in memory until its newline, Flush, or MaxLine bytes.
// Not safe for concurrent use: one copier writes each stream.
type LineWriter struct {
	w       *Writer
	stream  string
	partial []byte
}

// Write logs every complete line of partial+p and keeps the rest. All
// lines of one Write get the same time.
func (l *LineWriter) Write(p []byte) (int, error) {
	now := time.Now()
	n := len(p)
	for len(p) > 0 {
		i := indexNewline(p)
		if i < 0 || len(l.partial)+i+1 > MaxLine {
			take := min(len(p), MaxLine-len(l.partial))
			l.partial = append(l.partial, p[:take]...)
			p = p[take:]
			if len(l.partial) < MaxLine {
				break
			}
			if err := l.emit(now); err != nil {
				return n - len(p), err
			}
			continue
		}
		line := p[:i+1]
		p = p[i+1:]
		if len(l.partial) > 0 {
			l.partial = append(l.partial, line...)
			line = l.partial
		}
		if err := l.w.WriteEntry(l.stream, line, now); err != nil {
			return n - len(p), err
		}
		l.partial = l.partial[:0]
	}
	return n, nil
}

// Flush logs the unfinished line, if any, as an entry of its own: at the
// end of the stream.
func (l *LineWriter) Flush() error {
	if len(l.partial) == 0 {
		return nil
	}
	return l.emit(time.Now())
}

func (l *LineWriter) emit(t time.Time) error {
	err := l.w.WriteEntry(l.stream, l.partial, t)
	l.partial = l.partial[:0]
	return err
}

// Pending returns the unfinished line; SetPending puts it back. They hand
// it over when the monitor re-executes itself.
func (l *LineWriter) Pending() []byte { return l.partial }

// SetPending replaces the unfinished line.
func (l *LineWriter) SetPending(p []byte) { l.partial = append(l.partial[:0], p...) }

func indexNewline(p []byte) int {
	for i, c := range p {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// appendEntry encodes one json-file line.
func appendEntry(b []byte, stream string, line []byte, t time.Time) []byte {
	b = append(b, `{"log":`...)
	b = appendJSONString(b, line)
	b = append(b, `,"stream":"`...)
	b = append(b, stream...)
	b = append(b, `","time":"`...)
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, "\"}\n"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string. Bytes that are not UTF-8
// become U+FFFD, as encoding/json does: a container may write anything,
// and one bad byte must not make the line unreadable.
func appendJSONString(b, s []byte) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"', c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028', r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
