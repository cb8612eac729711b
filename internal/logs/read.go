package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"time"
)

// ReadOptions select what Read returns, as `docker logs` flags do.
type ReadOptions struct {
	// Follow goes on reading what the container writes after the files'
	// current end, across rotations, until ctx ends or Done returns true.
	Follow bool
	// Since and Until keep entries whose time is in [Since, Until]; a zero
	// value leaves that side open. With Follow, the first entry after
	// Until ends the read.
	Since, Until time.Time
	// Tail starts at the last Tail lines of the log (before the other
	// filters apply, as Docker counts them); -1 reads everything.
	Tail int
	// Stdout and Stderr select the streams; with neither set, both.
	Stdout, Stderr bool
	// Done tells a following reader that the writer is gone for good (the
	// container stopped): what is in the files then is all there is.
	Done func() bool
}

// errUntil ends a read at the first entry after ReadOptions.Until.
var errUntil = errors.New("past until")

// Read calls fn with each entry that opts select, oldest first, reading the
// rotated files and then the current one. An error from fn ends the read and
// is returned. Lines that are not valid entries (a file damaged by hand) are
// skipped.
func Read(ctx context.Context, cfg Config, opts ReadOptions, fn func(Entry) error) error {
	if cfg.Path == "" {
		return errors.New("reading logs: the container keeps no log")
	}
	files, err := cfg.files()
	if err != nil {
		return err
	}
	r := &reader{opts: opts, fn: fn}
	err = r.readFiles(files, opts.Tail)
	var cur *os.File // the file to follow: the newest
	if opts.Follow && err == nil && len(files) > 0 {
		cur, files = files[len(files)-1], files[:len(files)-1]
	}
	closeAll(files)
	if opts.Follow && err == nil {
		err = r.follow(ctx, cfg, cur)
	}
	if errors.Is(err, errUntil) {
		return nil
	}
	return err
}

// reader decodes and filters entries for one Read.
type reader struct {
	opts    ReadOptions
	fn      func(Entry) error
	partial []byte // an unfinished last line, while following
}

// readFiles reads files in order from the point where the last tail lines
// begin (tail < 0: from the start).
func (r *reader) readFiles(files []*os.File, tail int) error {
	start, offset := 0, int64(0)
	if tail >= 0 {
		var err error
		if start, offset, err = tailStart(files, tail); err != nil {
			return err
		}
	}
	for i := start; i < len(files); i++ {
		if _, err := files[i].Seek(offset, io.SeekStart); err != nil {
			return err
		}
		offset = 0
		if err := r.readAvailable(files[i]); err != nil {
			return err
		}
		if i < len(files)-1 {
			r.partial = r.partial[:0] // a file ends with whole lines
		}
	}
	return nil
}

// readAvailable reads f from its offset to its end, passing each complete
// line on; an unfinished last line waits in r.partial for the rest.
func (r *reader) readAvailable(f *os.File) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			if herr := r.handle(buf[:n]); herr != nil {
				return herr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (r *reader) handle(p []byte) error {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			r.partial = append(r.partial, p...)
			return nil
		}
		line := p[:i]
		if len(r.partial) > 0 {
			r.partial = append(r.partial, line...)
			line = r.partial
		}
		p = p[i+1:]
		err := r.entry(line)
		r.partial = r.partial[:0]
		if err != nil {
			return err
		}
	}
	return nil
}

// jsonEntry is a json-file line.
type jsonEntry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

func (r *reader) entry(line []byte) error {
	var e jsonEntry
	if err := json.Unmarshal(line, &e); err != nil {
		return nil
	}
	o := &r.opts
	if o.Stdout || o.Stderr {
		if (e.Stream == "stdout" && !o.Stdout) || (e.Stream == "stderr" && !o.Stderr) {
			return nil
		}
	}
	if !o.Since.IsZero() && e.Time.Before(o.Since) {
		return nil
	}
	if !o.Until.IsZero() && e.Time.After(o.Until) {
		return errUntil
	}
	return r.fn(Entry{Stream: e.Stream, Line: []byte(e.Log), Time: e.Time})
}
