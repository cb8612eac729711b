package logs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// readRaw decodes every line of the files of cfg, oldest first, with
// encoding/json: what any tool reading Docker's format would do.
func readRaw(t *testing.T, cfg Config) []jsonEntry {
	t.Helper()
	files, err := cfg.files()
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(files)
	var out []jsonEntry
	for _, f := range files {
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var e jsonEntry
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Fatalf("%s: line %q: %v", f.Name(), sc.Text(), err)
			}
			out = append(out, e)
		}
	}
	return out
}

func TestWriterFormat(t *testing.T) {
	cfg := Config{Path: filepath.Join(t.TempDir(), "c-json.log")}
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out, errs := w.Stream("stdout"), w.Stream("stderr")
	out.Write([]byte("one\ntw"))
	errs.Write([]byte("oops\n"))
	out.Write([]byte("o\n\"quoted\" \\ \t\x01 \xff é\n"))
	out.Write([]byte("no newline"))
	if err := out.Flush(); err != nil {
		t.Fatal(err)
	}
	w.Close()

	got := readRaw(t, cfg)
	want := []struct{ log, stream string }{
		{"one\n", "stdout"},
		{"oops\n", "stderr"},
		{"two\n", "stdout"},
		{"\"quoted\" \\ \t\x01 \ufffd é\n", "stdout"},
		{"no newline", "stdout"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Log != w.log || got[i].Stream != w.stream {
			t.Errorf("entry %d = %q/%s, want %q/%s", i, got[i].Log, got[i].Stream, w.log, w.stream)
		}
		if time.Since(got[i].Time) > time.Hour || got[i].Time.Location() != time.UTC {
			t.Errorf("entry %d has time %v", i, got[i].Time)
		}
	}
	raw, _ := os.ReadFile(cfg.Path)
	if !bytes.HasPrefix(raw, []byte(`{"log":"one\n","stream":"stdout","time":"`)) {
		t.Errorf("file starts %q, want Docker's field order", raw[:40])
	}
}

func TestWriterSplitsLongLines(t *testing.T) {
	cfg := Config{Path: filepath.Join(t.TempDir(), "c-json.log")}
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := w.Stream("stdout")
	long := strings.Repeat("x", 2*MaxLine+10)
	// In pieces, as a pipe delivers it.
	for i := 0; i < len(long); i += 1000 {
		s.Write([]byte(long[i:min(i+1000, len(long))]))
	}
	s.Write([]byte("\nshort\n"))
	w.Close()
	got := readRaw(t, cfg)
	var sizes []int
	for _, e := range got {
		sizes = append(sizes, len(e.Log))
	}
	want := []int{MaxLine, MaxLine, 11, 6}
	if len(sizes) != len(want) {
		t.Fatalf("entry sizes %v, want %v", sizes, want)
	}
	for i := range want {
		if sizes[i] != want[i] {
			t.Fatalf("entry sizes %v, want %v", sizes, want)
		}
	}
}

func TestWriterRotates(t *testing.T) {
	cfg := Config{Path: filepath.Join(t.TempDir(), "c-json.log"), MaxSize: 1000, MaxFiles: 3}
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := w.Stream("stdout")
	for i := 0; i < 200; i++ {
		s.Write([]byte(strings.Repeat("a", 20) + "\n"))
	}
	w.Close()
	for n := 0; n < 3; n++ {
		st, err := os.Stat(cfg.rotated(n))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > cfg.MaxSize {
			t.Errorf("%s has %d bytes, more than %d", cfg.rotated(n), st.Size(), cfg.MaxSize)
		}
	}
	if _, err := os.Stat(cfg.rotated(3)); !os.IsNotExist(err) {
		t.Errorf("a fourth file exists: %v", err)
	}
	// What is kept is the newest lines, in order, without gaps.
	if got := readRaw(t, cfg); len(got) < 20 {
		t.Errorf("only %d entries kept", len(got))
	}
}

func TestWriterTruncatesWithOneFile(t *testing.T) {
	cfg := Config{Path: filepath.Join(t.TempDir(), "c-json.log"), MaxSize: 500, MaxFiles: 1}
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		w.WriteEntry("stdout", []byte("line\n"), time.Now())
	}
	w.Close()
	st, err := os.Stat(cfg.Path)
	if err != nil || st.Size() > 500 {
		t.Fatalf("stat: %v, %v", st, err)
	}
	if _, err := os.Stat(cfg.rotated(1)); !os.IsNotExist(err) {
		t.Errorf("rotated file exists with MaxFiles 1: %v", err)
	}
}

// FuzzAppendJSONString: whatever a container writes, the entry is valid
// JSON and decodes to what was written (bad UTF-8 replaced).
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "hello\n", "\x00\x1f\"\\", "\xff\xfe", "\u2028\u2029", "é€𝄞", "\xed\xa0\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, b, err)
		}
		want := strings.ToValidUTF8(string(s), "\ufffd")
		if !utf8.Valid(s) {
			// Each bad byte becomes its own U+FFFD, as encoding/json does.
			var sb strings.Builder
			for i := 0; i < len(s); {
				r, n := utf8.DecodeRune(s[i:])
				sb.WriteRune(r)
				i += n
			}
			want = sb.String()
		}
		if got != want {
			t.Fatalf("%q decodes to %q, want %q", s, got, want)
		}
	})
}
