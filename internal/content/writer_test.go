package content

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestRoundTrip(t *testing.T) {
	for _, alg := range []digest.Algorithm{digest.SHA256, digest.SHA512} {
		t.Run(string(alg), func(t *testing.T) {
			s := newStore(t)
			data := blobData(1, 300<<10)
			dgst := put(t, s, data, alg, nil)
			if !bytes.Equal(get(t, s, dgst), data) {
				t.Fatal("read back different bytes")
			}
			info, err := s.Info(context.Background(), dgst)
			if err != nil || info.Size != int64(len(data)) || info.Digest != dgst {
				t.Fatalf("Info = %+v, %v", info, err)
			}
			if err := s.Verify(context.Background(), dgst); err != nil {
				t.Fatal(err)
			}
			assertBlobCount(t, s, 1)
			assertNoIngests(t, s)
		})
	}
}

func TestEmptyBlob(t *testing.T) {
	s := newStore(t)
	dgst := put(t, s, nil, digest.SHA256, nil)
	if got := get(t, s, dgst); len(got) != 0 {
		t.Fatalf("read %d bytes", len(got))
	}
}

func TestUnknownExpectations(t *testing.T) {
	s := newStore(t)
	w, err := s.Ingest(context.Background(), "anon", "", UnknownSize)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hello"))
	dgst := w.Digest()
	if err := w.Commit(nil); err != nil {
		t.Fatal(err)
	}
	if dgst != digest.FromString("hello") || string(get(t, s, dgst)) != "hello" {
		t.Fatalf("committed %s", dgst)
	}
}

func TestMismatchLeavesNothing(t *testing.T) {
	data := []byte("the real content")
	cases := map[string]struct {
		dgst digest.Digest
		size int64
	}{
		"digest":     {digest.FromString("other content"), int64(len(data))},
		"short":      {digest.FromBytes(data), int64(len(data)) + 1},
		"long":       {digest.FromBytes(data), int64(len(data)) - 1},
		"sha512 alg": {digest.SHA512.FromBytes([]byte("x")), UnknownSize},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			w, err := s.Ingest(context.Background(), "ref", c.dgst, c.size)
			if err != nil {
				t.Fatal(err)
			}
			_, werr := w.Write(data)
			cerr := w.Commit(nil)
			if !errors.Is(werr, errdefs.ErrInvalidArgument) && !errors.Is(cerr, errdefs.ErrInvalidArgument) {
				t.Fatalf("Write: %v, Commit: %v; want an invalid argument", werr, cerr)
			}
			t.Log(werr, cerr)
			assertBlobCount(t, s, 0)
			assertNoIngests(t, s)
		})
	}
}

func TestBadDigestRefused(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, d := range []digest.Digest{"sha256:../../../etc/passwd", "md5:abcd", "sha256:abc", ""} {
		if _, err := s.Open(ctx, d); !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("Open(%q) = %v", d, err)
		}
		if d != "" {
			if _, err := s.Ingest(ctx, "r", d, 1); !errors.Is(err, errdefs.ErrInvalidArgument) {
				t.Errorf("Ingest(%q) = %v", d, err)
			}
		}
	}
	if _, err := s.Info(ctx, digest.FromString("absent")); !errdefs.IsNotFound(err) {
		t.Errorf("Info of absent blob = %v", err)
	}
}

func TestCommitExistingSucceeds(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	data := []byte("twice")
	dgst := digest.FromBytes(data)
	// Two refs, both started before either commits: the second commit
	// finds the blob and only merges its labels.
	w1, _ := s.Ingest(ctx, "one", dgst, 5)
	w2, err := s.Ingest(ctx, "two", dgst, 5)
	if err != nil {
		t.Fatal(err)
	}
	w1.Write(data)
	w2.Write(data)
	if err := w1.Commit(map[string]string{"a": "1"}); err != nil {
		t.Fatal(err)
	}
	if err := w2.Commit(map[string]string{"b": "2"}); err != nil {
		t.Fatal(err)
	}
	labels, _ := s.Labels(ctx, dgst)
	if labels["a"] != "1" || labels["b"] != "2" {
		t.Fatalf("labels = %v", labels)
	}
	// A later Ingest learns it has nothing to do.
	if _, err := s.Ingest(ctx, "three", dgst, 5); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Fatalf("Ingest of existing blob = %v", err)
	}
	assertBlobCount(t, s, 1)
	assertNoIngests(t, s)
}

func TestSecondWriterOfRefWaits(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	first, err := s.Ingest(ctx, "pull", "", UnknownSize)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = s.Ingest(short, "pull", "", UnknownSize)
	if !errors.Is(err, errdefs.ErrUnavailable) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second writer = %v; want unavailable, in use", err)
	}
	t.Log(err)
	first.Close()
	second, err := s.Ingest(ctx, "pull", "", UnknownSize)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	second.Close()
}

func TestResume(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	data := blobData(2, 1<<20)
	dgst := digest.FromBytes(data)
	w, _ := s.Ingest(ctx, "pull", dgst, int64(len(data)))
	w.Write(data[:400000])
	w.Close()

	w, err := s.Ingest(ctx, "pull", dgst, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if w.Offset() != 400000 {
		t.Fatalf("resumed at %d", w.Offset())
	}
	w.Write(data[w.Offset():])
	if err := w.Commit(nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(get(t, s, dgst), data) {
		t.Fatal("resumed blob differs")
	}
}

func TestResumeWithOtherExpectationsRestarts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	w, _ := s.Ingest(ctx, "pull", digest.FromString("a"), 1)
	w.Write([]byte("a"))
	w.Close()
	w, _ = s.Ingest(ctx, "pull", digest.FromString("bb"), 2)
	if w.Offset() != 0 {
		t.Fatalf("offset %d after a change of expected digest", w.Offset())
	}
	w.Write([]byte("bb"))
	if err := w.Commit(nil); err != nil {
		t.Fatal(err)
	}
}

func TestReset(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	w, _ := s.Ingest(ctx, "pull", digest.FromString("good"), 4)
	w.Write([]byte("ba"))
	if err := w.Reset(); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("good"))
	if err := w.Commit(nil); err != nil {
		t.Fatal(err)
	}
}

func TestCleanIngests(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	idle, _ := s.Ingest(ctx, "idle", "", UnknownSize)
	idle.Write([]byte("abandoned"))
	idle.Close()
	live, _ := s.Ingest(ctx, "live", "", UnknownSize)
	live.Write([]byte("busy"))
	defer live.Close()

	if n, err := s.CleanIngests(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("CleanIngests(1h) = %d, %v; nothing is that old", n, err)
	}
	if n, err := s.CleanIngests(ctx, 0); err != nil || n != 1 {
		t.Fatalf("CleanIngests(0) = %d, %v; want the idle one only", n, err)
	}
	ins, _ := s.ListIngests(ctx)
	if len(ins) != 1 || ins[0].Ref != "live" || ins[0].Offset != 4 {
		t.Fatalf("ingests left: %+v", ins)
	}
}

func TestCleanIngestsInterruptedRemoval(t *testing.T) {
	s := newStore(t)
	// What a writer killed inside removeIngest leaves: a directory with
	// only its lock, or with nothing.
	for _, name := range []string{"only-lock", "empty"} {
		os.MkdirAll(filepath.Join(s.Root(), dirIngest, name), 0o700)
	}
	os.WriteFile(filepath.Join(s.Root(), dirIngest, "only-lock", ingestLock), nil, 0o600)
	if n, err := s.CleanIngests(context.Background(), 0); err != nil || n != 2 {
		t.Fatalf("CleanIngests = %d, %v", n, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.Root(), dirIngest)); len(entries) != 0 {
		t.Fatalf("ingest/ holds %v", entries)
	}
}

func TestUsage(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	put(t, s, []byte("12345"), digest.SHA256, nil)
	put(t, s, []byte("123"), digest.SHA512, nil)
	w, _ := s.Ingest(ctx, "partial", "", UnknownSize)
	w.Write([]byte("12"))
	defer w.Close()
	u, err := s.Usage(ctx)
	want := Usage{Blobs: 2, Size: 8, Ingests: 1, IngestSize: 2}
	if err != nil || u != want {
		t.Fatalf("Usage = %+v, %v; want %+v", u, err, want)
	}
}
