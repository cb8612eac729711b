package events

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

func TestReadHistoryInOrder(t *testing.T) {
	j := journal(t)
	base := time.Unix(1700000000, 0)
	for i := range 10 {
		e := numbered("w0", i)
		e.Time = base.Add(time.Duration(i) * time.Second)
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	opts := ReadOptions{Since: base.Add(2 * time.Second), Until: base.Add(7 * time.Second)}
	err := j.Read(context.Background(), opts, func(e Event) error {
		got = append(got, e.Actor.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"w0-2", "w0-3", "w0-4", "w0-5", "w0-6"}
	if len(got) != len(want) {
		t.Fatalf("read %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("read %v, want %v", got, want)
		}
	}
}

func TestAppendStampsTime(t *testing.T) {
	j := journal(t)
	before := time.Now()
	if err := j.Append(numbered("w0", 0)); err != nil {
		t.Fatal(err)
	}
	err := j.Read(context.Background(), ReadOptions{}, func(e Event) error {
		if e.Time.Before(before) || e.Time.After(time.Now()) {
			t.Errorf("event stamped %v, appended after %v", e.Time, before)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An error from fn ends Read with that error.
func TestReadStopsOnCallbackError(t *testing.T) {
	j := journal(t)
	for i := range 3 {
		j.Append(numbered("w0", i))
	}
	stop := errors.New("enough")
	calls := 0
	err := j.Read(context.Background(), ReadOptions{}, func(Event) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Read returned %v after %d calls", err, calls)
	}
}

// Writer processes appending at once: every line intact, none lost.
func TestConcurrentAppendFromProcesses(t *testing.T) {
	j := journal(t)
	const procs, count = 4, 500
	writers(t, j.path, procs, count, DefaultMaxSize)

	f, err := os.Open(j.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var c tally
	s := bufio.NewScanner(f)
	for s.Scan() {
		e, ok := decodeLine(s.Bytes())
		if !ok {
			t.Fatalf("torn line %q", s.Text())
		}
		c.add(e)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	c.check(t, procs, count)
}

// A follower sees what another process appends, and ends with ctx.
func TestFollowSeesOtherProcess(t *testing.T) {
	j := journal(t)
	var c tally
	waitFor := follow(t, j, ReadOptions{}, &c)
	writers(t, j.path, 1, 50, DefaultMaxSize)
	if err := waitFor(50); !errors.Is(err, context.Canceled) {
		t.Errorf("following Read ended with %v, want context.Canceled", err)
	}
	c.check(t, 1, 50)
}

// Rotation while processes append loses nothing a follower should see.
// The writers write about 2.5 times the size limit, so the journal rotates
// twice; a follower never falls two generations behind, whatever the
// scheduling.
func TestFollowAcrossRotation(t *testing.T) {
	j := journal(t)
	const procs, count = 4, 400
	maxSize := int64(procs * count * lineSize(100) * 2 / 5)

	var c tally
	waitFor := follow(t, j, ReadOptions{}, &c)
	writers(t, j.path, procs, count, maxSize)
	waitFor(procs * count)
	c.check(t, procs, count)
	if _, err := os.Stat(j.path + ".1"); err != nil {
		t.Errorf("the journal never rotated: %v", err)
	}
}

// A follower held up while the journal rotates twice still delivers the
// generation in between, from events.log.1.
func TestFollowerBehindTwoRotations(t *testing.T) {
	j := journal(t)
	j.maxSize = int64(10 * lineSize(10)) // rotates at the 11th event, and the 22nd
	const count = 25
	var c tally
	entered, release := make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- j.Read(ctx, ReadOptions{Follow: true}, func(e Event) error {
			if c.count() == 0 {
				close(entered)
				<-release // hold the reader inside the first generation
			}
			c.add(e)
			return nil
		})
	}()
	for i := range count {
		if err := j.Append(numbered("w0", i)); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			select { // the reader has the first generation open
			case <-entered:
			case err := <-done:
				t.Fatalf("following Read ended: %v", err)
			}
		}
	}
	if n := lines(t, j.path); n != count-22 {
		t.Fatalf("the current generation holds %d events, want %d after two rotations", n, count-22)
	}
	close(release)
	for deadline := time.Now().Add(30 * time.Second); c.count() < count && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	c.check(t, 1, count)
}

// With Until, a follower stops by itself once Until has passed.
func TestFollowUntil(t *testing.T) {
	j := journal(t)
	j.Append(numbered("w0", 0))
	var c tally
	opts := ReadOptions{Follow: true, Until: time.Now().Add(100 * time.Millisecond)}
	if err := j.Read(context.Background(), opts, func(e Event) error { c.add(e); return nil }); err != nil {
		t.Fatalf("Read with Until ended with %v", err)
	}
	c.check(t, 1, 1)
}

// Lines that are not events are skipped.
func TestGarbageLinesSkipped(t *testing.T) {
	j := journal(t)
	good, _ := encodeLine(numbered("w0", 0))
	torn, _ := encodeLine(numbered("w0", 1))
	appendRaw(t, j, []byte("not json\n\n\x00\x00\n"), good, torn[:len(torn)/2])
	j.Append(numbered("w0", 2)) // joined to the torn line: both are lost
	j.Append(numbered("w0", 3))

	var c tally
	if err := j.Read(context.Background(), ReadOptions{}, func(e Event) error { c.add(e); return nil }); err != nil {
		t.Fatal(err)
	}
	if c.n != 2 || c.seen["w0-0"] != 1 || c.seen["w0-3"] != 1 {
		t.Errorf("read %v, want w0-0 and w0-3", c.seen)
	}
}

// A follower that finds half a line waits for the rest of it.
func TestFollowHoldsBackPartialLine(t *testing.T) {
	j := journal(t)
	var c tally
	waitFor := follow(t, j, ReadOptions{}, &c)
	line, _ := encodeLine(numbered("w0", 0))
	for _, part := range [][]byte{line[:10], line[10:100], line[100:]} {
		appendRaw(t, j, part)
	}
	j.Append(numbered("w0", 1))
	waitFor(2)
	c.check(t, 1, 2)
}

// appendRaw writes bytes to the journal's file behind its back.
func appendRaw(t *testing.T, j *Journal, parts ...[]byte) {
	t.Helper()
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range parts {
		if _, err := f.Write(p); err != nil {
			t.Fatal(err)
		}
	}
}

func lines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// lineSize is the size of the journal line for event n of writer w0, as
// Append writes it.
func lineSize(n int) int {
	e := numbered("w0", n)
	e.Time = time.Now()
	line, _ := encodeLine(e)
	return len(line)
}

func BenchmarkAppend(b *testing.B) {
	j, err := Open(b.TempDir() + "/events.log")
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	e := numbered("w0", 0)
	for b.Loop() {
		if err := j.Append(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFull reads a journal at its largest: two full generations.
func BenchmarkReadFull(b *testing.B) {
	j, err := Open(b.TempDir() + "/events.log")
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	for i := range 2*DefaultMaxSize/lineSize(100000) - 1 {
		if err := j.Append(numbered("w0", i)); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name  string
		since time.Time
	}{{"all", time.Time{}}, {"since-now", time.Now()}} {
		b.Run(bc.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n = 0
				j.Read(context.Background(), ReadOptions{Since: bc.since}, func(Event) error { n++; return nil })
			}
			b.ReportMetric(float64(n), "events")
		})
	}
}
