package archive

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/hullrt/hull/internal/errdefs"
)

// Compression names how a layer blob is compressed. Image manifests say so
// in the media type, but Apply looks at the bytes instead: docker save
// archives, registries and hand-made tarballs do not always agree with
// their labels.
type Compression int

const (
	// Uncompressed is a plain tar stream.
	Uncompressed Compression = iota
	// Gzip is RFC 1952 gzip, the format of most image layers.
	Gzip
	// Zstd is Zstandard (application/vnd.oci.image.layer.v1.tar+zstd).
	Zstd
)

func (c Compression) String() string {
	switch c {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	default:
		return "uncompressed"
	}
}

var (
	gzipMagic  = []byte{0x1f, 0x8b}
	zstdMagic  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	bzip2Magic = []byte{'B', 'Z', 'h'}
	xzMagic    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
)

// zstdMaxWindow bounds the memory a hostile zstd frame can make the decoder
// allocate; 128 MiB is far above what any real layer uses (zstd -19 uses 8 MiB).
const zstdMaxWindow = 128 << 20

// DetectCompression reports the compression of a stream from its first
// bytes. bzip2 and xz, which Docker once accepted, are reported as errors
// rather than passed on as tar, so a caller sees why they fail.
func DetectCompression(head []byte) (Compression, error) {
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		return Gzip, nil
	case bytes.HasPrefix(head, zstdMagic):
		return Zstd, nil
	case bytes.HasPrefix(head, bzip2Magic), bytes.HasPrefix(head, xzMagic):
		return Uncompressed, fmt.Errorf("bzip2 and xz layers are not supported: %w", errdefs.ErrInvalidArgument)
	}
	return Uncompressed, nil
}

// Decompress detects the compression of r and returns a reader of the
// uncompressed bytes. Close releases the decoder (zstd keeps goroutines);
// it does not close r.
func Decompress(r io.Reader) (io.ReadCloser, Compression, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(len(xzMagic))
	if err != nil && err != io.EOF {
		return nil, Uncompressed, fmt.Errorf("reading layer header: %w", err)
	}
	c, err := DetectCompression(head)
	if err != nil {
		return nil, c, err
	}
	switch c {
	case Gzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, c, fmt.Errorf("opening gzip stream: %w", err)
		}
		return zr, c, nil
	case Zstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxWindow(zstdMaxWindow), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, c, fmt.Errorf("opening zstd stream: %w", err)
		}
		return zstdReadCloser{zr}, c, nil
	}
	return io.NopCloser(br), c, nil
}

type zstdReadCloser struct{ *zstd.Decoder }

func (z zstdReadCloser) Close() error { z.Decoder.Close(); return nil }

// Compress returns a writer that compresses what is written to it into w.
// Diff writes uncompressed tar so that its digest is the diff_id; a caller
// pushing the layer wraps w with Compress and digests the compressed bytes
// separately. Close flushes the compressor; it does not close w.
func Compress(w io.Writer, c Compression) (io.WriteCloser, error) {
	switch c {
	case Gzip:
		return gzip.NewWriterLevel(w, gzip.DefaultCompression)
	case Zstd:
		return zstd.NewWriter(w)
	case Uncompressed:
		return nopWriteCloser{w}, nil
	}
	return nil, fmt.Errorf("compression %d: %w", c, errdefs.ErrInvalidArgument)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
