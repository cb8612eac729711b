package imagearchive

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/archive"
	"github.com/hullrt/hull/internal/errdefs"
)

// archiveEpoch is every entry's mtime, so that saving the same images twice
// gives the same bytes.
var archiveEpoch = time.Unix(0, 0).UTC()

// archiveWriter writes a docker-archive tarball, each blob at most once.
type archiveWriter struct {
	tw    *tar.Writer
	sizes map[digest.Digest]int64 // the blobs written so far
	dirs  map[string]bool
}

func newArchiveWriter(w io.Writer) *archiveWriter {
	return &archiveWriter{tw: tar.NewWriter(w), sizes: map[digest.Digest]int64{}, dirs: map[string]bool{}}
}

// writeImage writes img's config, layers and manifest, and returns its
// manifest.json entry and its index.json entries.
func (a *archiveWriter) writeImage(ctx context.Context, cs ContentStore, img *exportImage) (dockerManifestEntry, []ocispec.Descriptor, error) {
	r := img.resolved
	if len(img.diffIDs) != len(r.Layers) {
		return dockerManifestEntry{}, nil, fmt.Errorf("image %s: %d layers but %d diff_ids: %w",
			r.Config.Digest, len(r.Layers), len(img.diffIDs), errdefs.ErrInvalidArgument)
	}
	if err := a.copyBlob(ctx, cs, r.Config); err != nil {
		return dockerManifestEntry{}, nil, err
	}
	entry := dockerManifestEntry{Config: blobPath(r.Config.Digest), RepoTags: []string{}}
	for _, t := range img.tags {
		entry.RepoTags = append(entry.RepoTags, t.FamiliarString())
	}
	var layers []ocispec.Descriptor
	for i, l := range r.Layers {
		ul, err := a.writeLayer(ctx, cs, l, img.diffIDs[i])
		if err != nil {
			return dockerManifestEntry{}, nil, fmt.Errorf("image %s: layer %d: %w", r.Config.Digest, i, err)
		}
		layers = append(layers, ul)
		entry.Layers = append(entry.Layers, blobPath(ul.Digest))
	}
	md, data, err := uncompressedManifest(ctx, cs, r, layers)
	if err != nil {
		return dockerManifestEntry{}, nil, err
	}
	if err := a.writeBytes(md.Digest, data); err != nil {
		return dockerManifestEntry{}, nil, err
	}
	return entry, indexEntries(img, md), nil
}

// writeLayer writes layer l uncompressed and returns the descriptor of what
// was written, whose digest is diffID.
func (a *archiveWriter) writeLayer(ctx context.Context, cs ContentStore, l ocispec.Descriptor, diffID digest.Digest) (ocispec.Descriptor, error) {
	out := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: diffID}
	if l.Digest == diffID {
		out.Size = l.Size
		return out, a.copyBlob(ctx, cs, l)
	}
	if size, ok := a.sizes[diffID]; ok {
		out.Size = size
		return out, nil
	}
	size, err := uncompressedSize(ctx, cs, l, diffID)
	if err != nil {
		return out, err
	}
	out.Size = size
	return out, a.streamBlob(diffID, size, func(w io.Writer) error {
		return decompressTo(ctx, cs, l, w)
	})
}

// copyBlob writes a blob from the content store as it is stored. Reading
// it to the end verifies it, so a blob that rotted on disk fails the save
// instead of producing an archive that fails on load.
func (a *archiveWriter) copyBlob(ctx context.Context, cs ContentStore, d ocispec.Descriptor) error {
	if _, ok := a.sizes[d.Digest]; ok {
		return nil
	}
	rd, err := cs.Open(ctx, d.Digest)
	if err != nil {
		return fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	defer rd.Close()
	return a.streamBlob(d.Digest, rd.Size(), func(w io.Writer) error {
		_, err := io.Copy(w, rd)
		return err
	})
}

func (a *archiveWriter) writeBytes(d digest.Digest, data []byte) error {
	if _, ok := a.sizes[d]; ok {
		return nil
	}
	return a.streamBlob(d, int64(len(data)), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// streamBlob writes one blob entry, with its parent directories first.
func (a *archiveWriter) streamBlob(d digest.Digest, size int64, fill func(io.Writer) error) error {
	name := blobPath(d)
	for _, dir := range []string{"blobs/", "blobs/" + d.Algorithm().String() + "/"} {
		if err := a.dir(dir); err != nil {
			return err
		}
	}
	if err := a.tw.WriteHeader(fileHeader(name, size)); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := fill(a.tw); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	a.sizes[d] = size
	return nil
}

func (a *archiveWriter) dir(name string) error {
	if a.dirs[name] {
		return nil
	}
	a.dirs[name] = true
	return a.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: archiveEpoch})
}

// writeMetadata writes the entry points of both formats. They come after
// the blobs, as in Docker's archives, so readers must not expect them
// first.
func (a *archiveWriter) writeMetadata(entries []dockerManifestEntry, index ocispec.Index) error {
	index.SchemaVersion = 2
	index.MediaType = ocispec.MediaTypeImageIndex
	files := []struct {
		name string
		v    any
	}{
		{ociIndexFile, index},
		{dockerManifestFile, entries},
		{ociLayoutFile, ociLayout{ImageLayoutVersion: ociLayoutVersion}},
	}
	for _, f := range files {
		data, err := json.Marshal(f.v)
		if err != nil {
			return err
		}
		if err := a.tw.WriteHeader(fileHeader(f.name, int64(len(data)))); err != nil {
			return err
		}
		if _, err := io.Copy(a.tw, bytes.NewReader(data)); err != nil {
			return err
		}
	}
	return nil
}

func (a *archiveWriter) close() error { return a.tw.Close() }

func fileHeader(name string, size int64) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: archiveEpoch}
}

// uncompressedSize decompresses layer l to count its bytes and checks they
// hash to diffID, before any of it goes into the archive.
func uncompressedSize(ctx context.Context, cs ContentStore, l ocispec.Descriptor, diffID digest.Digest) (int64, error) {
	n := countWriter{digester: digest.Canonical.Digester()}
	if err := decompressTo(ctx, cs, l, &n); err != nil {
		return 0, err
	}
	if got := n.digester.Digest(); got != diffID {
		return 0, fmt.Errorf("blob %s decompresses to %s, not its diff_id %s: %w",
			l.Digest, got, diffID, errdefs.ErrInvalidArgument)
	}
	return n.n, nil
}

// decompressTo writes layer l's tar stream to w.
func decompressTo(ctx context.Context, cs ContentStore, l ocispec.Descriptor, w io.Writer) error {
	rd, err := cs.Open(ctx, l.Digest)
	if err != nil {
		return fmt.Errorf("blob %s: %w", l.Digest, err)
	}
	defer rd.Close()
	zr, _, err := archive.Decompress(rd)
	if err != nil {
		return fmt.Errorf("blob %s: %w", l.Digest, err)
	}
	defer zr.Close()
	if _, err := io.Copy(w, zr); err != nil {
		return fmt.Errorf("decompressing %s: %w", l.Digest, err)
	}
	return nil
}

// countWriter counts and hashes what is written to it.
type countWriter struct {
	n        int64
	digester digest.Digester
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.digester.Hash().Write(p)
}
