package content

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
)

func newStore(t testing.TB) *Local {
	t.Helper()
	s, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// blobData is size pseudo-random bytes from seed, the same in every process.
func blobData(seed uint64, size int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// put writes and commits data, failing the test on any error.
func put(t testing.TB, s *Local, data []byte, alg digest.Algorithm, labels map[string]string) digest.Digest {
	t.Helper()
	dgst := alg.FromBytes(data)
	ctx := context.Background()
	w, err := s.Ingest(ctx, "put-"+dgst.String(), dgst, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(labels); err != nil {
		t.Fatal(err)
	}
	return dgst
}

// get reads a blob sequentially (verifying it).
func get(t testing.TB, s *Local, dgst digest.Digest) []byte {
	t.Helper()
	r, err := s.Open(context.Background(), dgst)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// files lists the regular files under dir, relative to it.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

// assertNoBlobs fails unless blobs/ holds exactly want files.
func assertBlobCount(t testing.TB, s *Local, want int) {
	t.Helper()
	if got := files(t, filepath.Join(s.Root(), dirBlobs)); len(got) != want {
		t.Fatalf("blobs/ holds %v, want %d files", got, want)
	}
}

func assertNoIngests(t testing.TB, s *Local) {
	t.Helper()
	if got := files(t, filepath.Join(s.Root(), dirIngest)); len(got) != 0 {
		t.Fatalf("ingest/ holds %v, want nothing", got)
	}
}
