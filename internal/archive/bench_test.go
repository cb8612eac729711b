package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"testing"
)

// benchLayer builds a gzip layer of about size bytes of file data in files
// of 4 KiB to 4 MiB across 100 directories, half of it compressible text
// and half random, roughly like a distribution's /usr.
func benchLayer(b *testing.B, size int) []byte {
	rng := rand.New(rand.NewSource(1))
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	random := make([]byte, 4<<20)
	rng.Read(random)
	text := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog 0123456789\n"), (4<<20)/55+1)
	for d := 0; d < 100; d++ {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: fmt.Sprintf("d%02d/", d), Mode: 0o755, Format: tar.FormatPAX})
	}
	for i, written := 0, 0; written < size; i++ {
		n := 4 << 10 << rng.Intn(11)
		src := random
		if i%2 == 0 {
			src = text
		}
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("d%02d/f%06d", i%100, i), Mode: 0o644, Size: int64(n), Format: tar.FormatPAX})
		tw.Write(src[:n])
		written += n
	}
	tw.Close()
	var gz bytes.Buffer
	w, _ := Compress(&gz, Gzip)
	w.Write(raw.Bytes())
	w.Close()
	return gz.Bytes()
}

// BenchmarkApplyGzip200MB applies a 200 MB gzip layer; MB/s counts
// uncompressed tar bytes, the figure to compare with containerd or
// umoci unpacking the same layer.
func BenchmarkApplyGzip200MB(b *testing.B) {
	needRoot(b)
	layer := benchLayer(b, 200<<20)
	b.ResetTimer()
	var size int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir, err := os.MkdirTemp(b.TempDir(), "apply")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := Apply(context.Background(), dir, bytes.NewReader(layer), ApplyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		size = res.Size
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.SetBytes(size)
	b.ReportMetric(float64(len(layer))/float64(size), "gzip-ratio")
}
