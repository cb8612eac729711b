package events

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Run with EVENTS_TEST_APPEND set, the test binary is a writer process:
// it appends EVENTS_TEST_COUNT events to the journal at EVENTS_TEST_PATH,
// each one's actor "<writer>-<n>", rotating past EVENTS_TEST_MAX bytes.
func TestMain(m *testing.M) {
	if w := os.Getenv("EVENTS_TEST_APPEND"); w != "" {
		if err := appendMany(w); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func appendMany(writer string) error {
	j, err := Open(os.Getenv("EVENTS_TEST_PATH"))
	if err != nil {
		return err
	}
	defer j.Close()
	if max, err := strconv.ParseInt(os.Getenv("EVENTS_TEST_MAX"), 10, 64); err == nil {
		j.maxSize = max
	}
	n, err := strconv.Atoi(os.Getenv("EVENTS_TEST_COUNT"))
	if err != nil {
		return err
	}
	for i := range n {
		if err := j.Append(numbered(writer, i)); err != nil {
			return err
		}
	}
	return nil
}

// numbered is the event writer appends as its i'th.
func numbered(writer string, i int) Event {
	return Event{Type: TypeContainer, Action: "start", Actor: Actor{
		ID:         fmt.Sprintf("%s-%d", writer, i),
		Attributes: map[string]string{"name": "c" + writer, "image": "busybox"},
	}}
}

// writers runs n writer processes at once, each appending count events to
// the journal at path, and waits for them all.
func writers(t *testing.T, path string, n, count int, maxSize int64) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range n {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(),
			"EVENTS_TEST_APPEND=w"+strconv.Itoa(w),
			"EVENTS_TEST_PATH="+path,
			"EVENTS_TEST_COUNT="+strconv.Itoa(count),
			"EVENTS_TEST_MAX="+strconv.FormatInt(maxSize, 10))
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("writer: %v: %s", err, out)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// journal opens a journal in a fresh directory.
func journal(t *testing.T) *Journal {
	t.Helper()
	j, err := Open(filepath.Join(t.TempDir(), "events", "events.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// tally counts events by actor id.
type tally struct {
	mu   sync.Mutex
	seen map[string]int
	n    int
}

func (c *tally) add(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]int{}
	}
	c.seen[e.Actor.ID]++
	c.n++
}

func (c *tally) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// check fails unless every writer's every event was seen exactly once.
func (c *tally) check(t *testing.T, writers, count int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	missing, dup := 0, 0
	for w := range writers {
		for i := range count {
			switch c.seen[fmt.Sprintf("w%d-%d", w, i)] {
			case 0:
				missing++
			case 1:
			default:
				dup++
			}
		}
	}
	if missing != 0 || dup != 0 || c.n != writers*count {
		t.Errorf("saw %d events of %d: %d missing, %d more than once", c.n, writers*count, missing, dup)
	}
}

// follow starts a following Read in the background and returns once it
// runs (it has seen a marker event appended for the purpose), with a
// function that waits until the tally holds n events, cancels the read and
// returns its error.
func follow(t *testing.T, j *Journal, opts ReadOptions, c *tally) (waitFor func(n int) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	opts.Follow = true
	done, ready := make(chan error, 1), make(chan struct{})
	go func() {
		done <- j.Read(ctx, opts, func(e Event) error {
			if e.Actor.ID == "marker" {
				close(ready)
			} else {
				c.add(e)
			}
			return nil
		})
	}()
	if err := j.Append(Event{Type: TypeNetwork, Action: "ready", Actor: Actor{ID: "marker"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("following Read ended before it began: %v", err)
	}
	return func(n int) error {
		for deadline := time.Now().Add(30 * time.Second); c.count() < n && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		cancel()
		return <-done
	}
}
