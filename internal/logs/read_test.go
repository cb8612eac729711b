package logs

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// writeLines logs "line 0".."line n-1", alternating stdout and stderr, at
// times base + i seconds.
func writeLines(t *testing.T, w *Writer, base time.Time, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		stream := "stdout"
		if i%2 == 1 {
			stream = "stderr"
		}
		if err := w.WriteEntry(stream, []byte(fmt.Sprintf("line %d\n", i)), base.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
}

func collect(t *testing.T, cfg Config, opts ReadOptions) []string {
	t.Helper()
	var got []string
	err := Read(context.Background(), cfg, opts, func(e Entry) error {
		got = append(got, strings.TrimSuffix(string(e.Line), "\n"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func lines(from, to, step int) []string {
	var out []string
	for i := from; i < to; i += step {
		out = append(out, fmt.Sprintf("line %d", i))
	}
	return out
}

func TestReadAcrossRotatedFiles(t *testing.T) {
	// Each entry is ~70 bytes: five files of ~8 entries.
	cfg := Config{Path: filepath.Join(t.TempDir(), "c-json.log"), MaxSize: 600, MaxFiles: 5}
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	writeLines(t, w, base, 0, 30)
	w.Close()

	all := collect(t, cfg, ReadOptions{Tail: -1})
	if len(all) < 20 || all[len(all)-1] != "line 29" {
		t.Fatalf("read %v", all)
	}
	first := 30 - len(all)
	if strings.Join(all, ",") != strings.Join(lines(first, 30, 1), ",") {
		t.Fatalf("entries out of order or with gaps: %v", all)
	}

	cases := []struct {
		name string
		opts ReadOptions
		want []string
	}{
		{"tail across files", ReadOptions{Tail: 12}, lines(18, 30, 1)},
		{"tail 0", ReadOptions{Tail: 0}, nil},
		{"tail longer than the log", ReadOptions{Tail: 1000}, all},
		{"stdout only", ReadOptions{Tail: 6, Stdout: true}, lines(24, 30, 2)},
		{"stderr only", ReadOptions{Tail: 6, Stderr: true}, lines(25, 30, 2)},
		{"since", ReadOptions{Tail: -1, Since: base.Add(25 * time.Second)}, lines(25, 30, 1)},
		{"until", ReadOptions{Tail: -1, Until: base.Add(22 * time.Second), Since: base.Add(20 * time.Second)}, lines(20, 23, 1)},
		{"tail then since", ReadOptions{Tail: 3, Since: base.Add(20 * time.Second)}, lines(27, 30, 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := collect(t, cfg, c.opts)
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestReadNoLog(t *testing.T) {
	cfg := Config{Path: filepath.Join(t.TempDir(), "c-json.log")}
	if got := collect(t, cfg, ReadOptions{Tail: -1}); len(got) != 0 {
		t.Fatalf("got %v from no file", got)
	}
}

// TestFollowAcrossRotation: a following reader sees every line, in order,
// while the writer rotates under it, and stops once Done says so.
func TestFollowAcrossRotation(t *testing.T) {
	cfg := Config{Path: filepath.Join(t.TempDir(), "c-json.log"), MaxSize: 400, MaxFiles: 3}
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	base := time.Now()
	writeLines(t, w, base, 0, 3)

	var finished atomic.Bool
	seen := make(chan string, 100)
	errc := make(chan error, 1)
	go func() {
		errc <- Read(context.Background(), cfg, ReadOptions{Follow: true, Tail: -1, Done: finished.Load}, func(e Entry) error {
			seen <- strings.TrimSuffix(string(e.Line), "\n")
			return nil
		})
	}()
	var got []string
	expect := func(n int) {
		for len(got) < n {
			select {
			case l := <-seen:
				got = append(got, l)
			case <-time.After(20 * time.Second):
				t.Fatalf("reader stuck after %v", got)
			}
		}
	}
	expect(3)
	// Batches of four lines, each batch rotating the file once: the reader
	// never falls more than one file behind, so it may lose nothing.
	for batch := 0; batch < 10; batch++ {
		writeLines(t, w, base, 3+batch*4, 4)
		expect(3 + (batch+1)*4)
	}
	finished.Store(true)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	close(seen)
	for l := range seen {
		got = append(got, l)
	}
	if strings.Join(got, ",") != strings.Join(lines(0, 43, 1), ",") {
		t.Fatalf("followed %v", got)
	}
}

func TestFollowStopsWithContext(t *testing.T) {
	cfg := Config{Path: filepath.Join(t.TempDir(), "c-json.log")}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- Read(ctx, cfg, ReadOptions{Follow: true, Tail: -1}, func(Entry) error { return nil })
	}()
	// The file does not exist yet: the reader waits for it.
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("Read = %v, want context.Canceled", err)
	}
}

func TestFollowWaitsForFile(t *testing.T) {
	cfg := Config{Path: filepath.Join(t.TempDir(), "c-json.log")}
	var done atomic.Bool
	got := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- Read(context.Background(), cfg, ReadOptions{Follow: true, Tail: -1, Done: done.Load}, func(e Entry) error {
			got <- string(e.Line)
			return nil
		})
	}()
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.WriteEntry("stdout", []byte("late\n"), time.Now())
	if l := <-got; l != "late\n" {
		t.Fatalf("got %q", l)
	}
	done.Store(true)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
