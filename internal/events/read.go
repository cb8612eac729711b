package events

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// ReadOptions says which events Read delivers.
type ReadOptions struct {
	// Since and Until bound the events' times to [Since, Until); a zero
	// Since is the start of the journal, a zero Until no end. `hull
	// events` without --since follows from now: Since = time.Now().
	Since, Until time.Time
	// Follow keeps Read waiting for new events once the stored ones are
	// delivered, until ctx ends or Until passes.
	Follow bool
	Filter Filter
}

// Read calls fn for each stored event in [Since, Until) that matches the
// filter, oldest first, and with Follow then for each new one as it is
// appended, by this process or any other. It returns fn's error if fn
// fails, nil once the stored events are delivered (without Follow) or
// Until has passed, and ctx's error if ctx ends first.
func (j *Journal) Read(ctx context.Context, opts ReadOptions, fn func(Event) error) error {
	r := &reader{path: j.path, opts: opts, fn: fn}
	defer r.close()
	var w *watch
	if opts.Follow {
		// Watch before reading, so that nothing appended meanwhile is
		// missed.
		var err error
		if w, err = newWatch(j.path); err != nil {
			return err
		}
		defer w.Close()
	}
	if err := r.open(); err != nil {
		return err
	}
	if err := r.drain(); err != nil || !opts.Follow {
		return err
	}
	stop := context.AfterFunc(ctx, w.interrupt)
	defer stop()
	return r.follow(ctx, w)
}

// reader is one Read in progress.
type reader struct {
	path string
	opts ReadOptions
	fn   func(Event) error
	cur  *os.File // the generation being read
	prev *os.File // path.1 when the read began or the last rotation was seen
	lr   *lineReader
}

// open opens path.1 and path under the shared lock, so that no rotation
// comes between the two and the pair is consecutive.
func (r *reader) open() error {
	lock, err := openLock(r.path)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := flock(lock, unix.LOCK_SH); err != nil {
		return fmt.Errorf("locking events journal: %w", err)
	}
	if r.prev, err = openRead(r.path + ".1"); err != nil {
		return err
	}
	if r.cur, err = openRead(r.path); err != nil {
		return err
	}
	r.lr = newLineReader(r.cur)
	return nil
}

// drain delivers the events of the previous generation, if not yet done,
// then the current generation's up to its end.
func (r *reader) drain() error {
	if r.prev != nil {
		err := newLineReader(r.prev).each(r.deliver)
		r.prev.Close()
		r.prev = nil
		if err != nil {
			return err
		}
	}
	if r.cur == nil {
		return nil
	}
	return r.lr.each(r.deliver)
}

// follow delivers new events as the watch reports changes.
func (r *reader) follow(ctx context.Context, w *watch) error {
	for {
		changed, err := w.wait(ctx, r.opts.Until)
		if err != nil {
			return err
		}
		if !changed {
			if err := ctx.Err(); err != nil {
				return err
			}
			return r.step() // Until has passed: what came before it, then stop
		}
		if err := r.step(); err != nil {
			return err
		}
	}
}

// step delivers what was appended since the last step, moving on to the
// new generation if the journal has been rotated.
func (r *reader) step() error {
	rotated, err := r.rotated()
	if err != nil {
		return err
	}
	// Finish the current file first. If it has been rotated away, nothing
	// more can be written to it: appends hold the lock rotation excludes.
	if err := r.drain(); err != nil || !rotated {
		return err
	}
	old := r.cur
	if err := r.open(); err != nil {
		return err
	}
	if old != nil {
		// Rotated once, path.1 is the file just finished; rotated twice,
		// it is a generation this reader has not seen, delivered next.
		if r.prev != nil && sameFD(r.prev, old) {
			r.prev.Close()
			r.prev = nil
		}
		old.Close()
	}
	return r.drain()
}

// rotated reports whether the file at the path is no longer the one being
// read.
func (r *reader) rotated() (bool, error) {
	var named unix.Stat_t
	if err := unix.Stat(r.path, &named); err != nil {
		if os.IsNotExist(err) {
			return false, nil // removed by hand; the next append recreates it
		}
		return false, fmt.Errorf("events journal: %w", err)
	}
	if r.cur == nil {
		return true, nil
	}
	var open unix.Stat_t
	if err := unix.Fstat(int(r.cur.Fd()), &open); err != nil {
		return false, fmt.Errorf("events journal: %w", err)
	}
	return !sameFile(&open, &named), nil
}

// deliver decodes a line and passes the event to fn if it is wanted.
func (r *reader) deliver(line []byte) error {
	if t, ok := lineTime(line); ok && t.Before(r.opts.Since) {
		return nil // skipped without decoding: `hull events` reads every line
	}
	e, ok := decodeLine(line)
	if !ok || e.Time.Before(r.opts.Since) {
		return nil
	}
	if !r.opts.Until.IsZero() && !e.Time.Before(r.opts.Until) {
		return nil
	}
	if !r.opts.Filter.Match(e) {
		return nil
	}
	return r.fn(e)
}

func (r *reader) close() {
	for _, f := range []*os.File{r.prev, r.cur} {
		if f != nil {
			f.Close()
		}
	}
}

// openRead opens a journal file for reading; one that does not exist is
// nil, not an error.
func openRead(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening events journal: %w", err)
	}
	return f, nil
}

func sameFD(a, b *os.File) bool {
	var sa, sb unix.Stat_t
	if unix.Fstat(int(a.Fd()), &sa) != nil || unix.Fstat(int(b.Fd()), &sb) != nil {
		return false
	}
	return sameFile(&sa, &sb)
}
