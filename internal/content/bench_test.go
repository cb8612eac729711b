package content

import (
	"context"
	"testing"

	"github.com/opencontainers/go-digest"
)

// BenchmarkWriteCommit64M writes and commits a 64 MiB blob: hashing,
// writing, fsync and rename, the cost of storing one large layer.
func BenchmarkWriteCommit64M(b *testing.B) {
	data := blobData(5, 64<<20)
	dgst := digest.FromBytes(data)
	s := newStore(b)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w, err := s.Ingest(ctx, "bench", dgst, int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		for off := 0; off < len(data); off += 1 << 20 {
			if _, err := w.Write(data[off : off+1<<20]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Commit(nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.Delete(ctx, dgst); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkVerify64M reads a 64 MiB blob back through Verify.
func BenchmarkVerify64M(b *testing.B) {
	s := newStore(b)
	dgst := put(b, s, blobData(5, 64<<20), digest.SHA256, nil)
	b.SetBytes(64 << 20)
	for b.Loop() {
		if err := s.Verify(context.Background(), dgst); err != nil {
			b.Fatal(err)
		}
	}
}
