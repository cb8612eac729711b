package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"math/rand"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// layerWriter streams one layer as tar into gzip into a blob file of the
// layout, hashing the tar (the diff_id) and the gzip (the blob digest) on
// the way, so a 50 MiB file never sits in memory whole.
type layerWriter struct {
	layout  string // the layout directory
	rng     *rand.Rand
	tmp     *os.File
	buf     *bufio.Writer
	zw      *gzip.Writer
	tw      *tar.Writer
	tarSum  hash.Hash
	blobSum hash.Hash
	tarLen  countWriter
	blobLen countWriter
	dirs    map[string]bool // directories this layer has a header for
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func newLayerWriter(dir string, rng *rand.Rand) (*layerWriter, error) {
	tmp, err := os.CreateTemp(filepath.Join(dir, "blobs", "sha256"), ".layer-*")
	if err != nil {
		return nil, fmt.Errorf("creating layer blob: %w", err)
	}
	lw := &layerWriter{layout: dir, rng: rng, tmp: tmp, tarSum: sha256.New(), blobSum: sha256.New(), dirs: map[string]bool{}}
	lw.buf = bufio.NewWriterSize(io.MultiWriter(tmp, lw.blobSum, &lw.blobLen), 1<<20)
	lw.zw = gzip.NewWriter(lw.buf)
	lw.tw = tar.NewWriter(io.MultiWriter(lw.zw, lw.tarSum, &lw.tarLen))
	return lw, nil
}

// header writes hdr with the image's fixed owner and times, after headers
// for any parent directories this layer has not written yet: real layers
// carry their parents, and unpackers treat implied ones differently.
func (lw *layerWriter) header(hdr *tar.Header) error {
	name := strings.TrimSuffix(hdr.Name, "/")
	if parent := path.Dir(name); parent != "." && !lw.dirs[parent] {
		if err := lw.dir(parent, 0o755); err != nil {
			return err
		}
	}
	hdr.ModTime = epoch
	return lw.tw.WriteHeader(hdr)
}

// dir adds a directory.
func (lw *layerWriter) dir(name string, mode int64) error {
	if lw.dirs[name] {
		return nil
	}
	lw.dirs[name] = true
	return lw.header(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode})
}

// file adds a regular file of size bytes that fill writes, a chunk at a
// time.
func (lw *layerWriter) file(name string, mode, size int64, fill filler) error {
	if err := lw.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: size}); err != nil {
		return err
	}
	chunk := make([]byte, min(size, 1<<20))
	for left := size; left > 0; {
		p := chunk[:min(left, int64(len(chunk)))]
		fill(lw.rng, p)
		if _, err := lw.tw.Write(p); err != nil {
			return err
		}
		left -= int64(len(p))
	}
	return nil
}

// link adds name as a hard link to target, an earlier file of this layer.
func (lw *layerWriter) link(name, target string) error {
	return lw.header(&tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target})
}

// symlink adds name pointing at target.
func (lw *layerWriter) symlink(name, target string) error {
	return lw.header(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
}

// whiteout hides name of a lower layer, the OCI way (.wh.NAME).
func (lw *layerWriter) whiteout(name string) error {
	return lw.header(&tar.Header{Typeflag: tar.TypeReg, Name: path.Join(path.Dir(name), ".wh."+path.Base(name)), Mode: 0o600})
}

// opaque hides everything lower layers put in dir (.wh..wh..opq).
func (lw *layerWriter) opaque(dir string) error {
	if err := lw.dir(dir, 0o755); err != nil {
		return err
	}
	return lw.header(&tar.Header{Typeflag: tar.TypeReg, Name: dir + "/.wh..wh..opq", Mode: 0o600})
}

// finish closes the streams and moves the blob to its digest's name. It
// returns the layer's descriptor, its diff_id and the tar's length.
func (lw *layerWriter) finish() (ocispec.Descriptor, digest.Digest, int64, error) {
	var desc ocispec.Descriptor
	chmod := func() error { return lw.tmp.Chmod(0o644) }
	for _, c := range []func() error{lw.tw.Close, lw.zw.Close, lw.buf.Flush, chmod, lw.tmp.Close} {
		if err := c(); err != nil {
			os.Remove(lw.tmp.Name())
			return desc, "", 0, err
		}
	}
	blob := digest.NewDigest(digest.SHA256, lw.blobSum)
	if err := os.Rename(lw.tmp.Name(), blobPath(lw.layout, blob)); err != nil {
		os.Remove(lw.tmp.Name())
		return desc, "", 0, err
	}
	desc = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: blob, Size: lw.blobLen.n}
	return desc, digest.NewDigest(digest.SHA256, lw.tarSum), lw.tarLen.n, nil
}

// abort drops a layer that failed half way.
func (lw *layerWriter) abort() {
	lw.tmp.Close()
	os.Remove(lw.tmp.Name())
}
