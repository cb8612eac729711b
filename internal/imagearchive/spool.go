package imagearchive

import (
	"archive/tar"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

// maxMetadataSize bounds each entry point read into memory (manifest.json,
// index.json, oci-layout, repositories): an archive from anywhere must not
// make hull allocate what it likes. Docker's own manifest.json for a
// thousand images is well under a megabyte.
const maxMetadataSize = 16 << 20

// maxLinkDepth bounds chains of links between archive entries.
const maxLinkDepth = 16

// spooled is an archive file stored in the content store under the digest
// of its bytes.
type spooled struct {
	digest digest.Digest
	size   int64
}

// spool is what reading an archive left: its entry points in memory and
// every other file in the content store. Nothing is extracted to disk, so
// no entry name, however hostile, can reach outside the store; names are
// only keys of these maps.
type spool struct {
	cs    ContentStore
	refID string
	n     int
	meta  map[string][]byte
	blobs map[string]spooled
	links map[string]string // link entry → the entry it points at
	seen  map[string]bool
}

func newSpool(cs ContentStore) *spool {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &spool{
		cs: cs, refID: hex.EncodeToString(b[:]),
		meta: map[string][]byte{}, blobs: map[string]spooled{},
		links: map[string]string{}, seen: map[string]bool{},
	}
}

// read consumes the tar stream. Entry points may come anywhere, after the
// blobs they name too (Docker writes them last), so every file is kept
// until the whole archive is read.
func (s *spool) read(ctx context.Context, r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading archive: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.entry(ctx, hdr, tr); err != nil {
			return err
		}
	}
}

func (s *spool) entry(ctx context.Context, hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if hdr.Typeflag == tar.TypeDir {
		return nil
	}
	// Two entries of one name would let two readers of the same archive
	// see different images; refuse rather than pick one.
	if s.seen[name] {
		return fmt.Errorf("archive entry %q appears twice: %w", name, errdefs.ErrInvalidArgument)
	}
	s.seen[name] = true
	switch hdr.Typeflag {
	case tar.TypeSymlink:
		return s.symlink(name, hdr.Linkname)
	case tar.TypeLink:
		target, err := cleanName(hdr.Linkname)
		if err != nil {
			return err
		}
		s.links[name] = target
		return nil
	case tar.TypeReg:
		return s.file(ctx, name, r)
	}
	return fmt.Errorf("archive entry %q: unexpected type %q: %w", name, hdr.Typeflag, errdefs.ErrInvalidArgument)
}

// cleanName checks an entry name and returns it in the one form the maps
// use. A ".." component is refused outright, not cleaned away: nothing in
// a well-formed archive needs one, and one in a hostile archive aims at a
// file outside it (CVE-2014-9356 and its kin in `docker load`).
func cleanName(name string) (string, error) {
	if name == "" || strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("archive entry %q: not a relative path: %w", name, errdefs.ErrInvalidArgument)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("archive entry %q: refusing a path with \"..\": %w", name, errdefs.ErrInvalidArgument)
		}
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", fmt.Errorf("archive entry %q: empty path: %w", name, errdefs.ErrInvalidArgument)
	}
	return clean, nil
}

// symlink records a link the way older `docker save` deduplicated layers:
// "<id>/layer.tar -> ../<other id>/layer.tar". The target is resolved
// against the link's directory and must stay inside the archive.
func (s *spool) symlink(name, target string) error {
	if strings.HasPrefix(target, "/") {
		return fmt.Errorf("archive entry %q: link to absolute path %q: %w", name, target, errdefs.ErrInvalidArgument)
	}
	resolved := path.Join(path.Dir(name), target)
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return fmt.Errorf("archive entry %q: link %q leaves the archive: %w", name, target, errdefs.ErrInvalidArgument)
	}
	s.links[name] = resolved
	return nil
}

// file keeps one regular file: entry points in memory, legacy per-layer
// metadata nowhere, and everything else in the content store.
func (s *spool) file(ctx context.Context, name string, r io.Reader) error {
	switch {
	case isMetadata(name):
		data, err := io.ReadAll(io.LimitReader(r, maxMetadataSize+1))
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		if len(data) > maxMetadataSize {
			return fmt.Errorf("%s is larger than %d bytes: %w", name, maxMetadataSize, errdefs.ErrInvalidArgument)
		}
		s.meta[name] = data
		return nil
	case isLegacyLayerMetadata(name):
		return nil
	}
	b, err := s.ingest(ctx, name, r)
	if err != nil {
		return err
	}
	s.blobs[name] = b
	return nil
}

func isMetadata(name string) bool {
	switch name {
	case dockerManifestFile, ociIndexFile, ociLayoutFile, repositoriesFile:
		return true
	}
	return false
}

// isLegacyLayerMetadata reports the v1 files of the legacy layout,
// "<id>/json" and "<id>/VERSION": manifest.json and the config say all
// hull needs, so they are skipped rather than stored.
func isLegacyLayerMetadata(name string) bool {
	dir, base := path.Split(name)
	return dir != "" && !strings.HasPrefix(dir, "blobs/") && (base == "json" || base == "VERSION")
}

// ingest stores one file in the content store. A file named like a blob
// ("blobs/sha256/<hex>") is committed only if its bytes hash to that name;
// any other is stored under whatever its bytes hash to, for the format
// reader to check against the config. Either way the content store only
// ever holds verified, content-addressed bytes; those no image ends up
// referring to carry no labels, and GC removes them.
func (s *spool) ingest(ctx context.Context, name string, r io.Reader) (spooled, error) {
	expected := digestFromPath(name)
	s.n++
	ref := fmt.Sprintf("load-%s-%d", s.refID, s.n)
	w, err := s.cs.Ingest(ctx, ref, expected, -1)
	if errors.Is(err, errdefs.ErrAlreadyExists) {
		info, err := s.cs.Info(ctx, expected)
		if err != nil {
			return spooled{}, err
		}
		return spooled{digest: expected, size: info.Size}, nil
	}
	if err != nil {
		return spooled{}, fmt.Errorf("storing %s: %w", name, err)
	}
	defer w.Close()
	n, err := io.Copy(w, r)
	if err != nil {
		_ = w.Abort()
		return spooled{}, fmt.Errorf("storing %s: %w", name, err)
	}
	got := w.Digest()
	if expected != "" && got != expected {
		_ = w.Abort()
		return spooled{}, fmt.Errorf("archive entry %s: content hashes to %s, not to its name: the archive is corrupt or was tampered with: %w",
			name, got, errdefs.ErrInvalidArgument)
	}
	if err := w.Commit(nil); err != nil {
		return spooled{}, fmt.Errorf("storing %s: %w", name, err)
	}
	return spooled{digest: got, size: n}, nil
}

// digestFromPath returns the digest a "blobs/<alg>/<encoded>" name claims,
// or "" for any other name.
func digestFromPath(name string) digest.Digest {
	parts := strings.Split(name, "/")
	if len(parts) != 3 || parts[0] != "blobs" {
		return ""
	}
	d := digest.NewDigestFromEncoded(digest.Algorithm(parts[1]), parts[2])
	if d.Validate() != nil {
		return ""
	}
	return d
}

// lookup returns the stored file a manifest.json path names, following
// links between entries.
func (s *spool) lookup(name string) (spooled, error) {
	clean, err := cleanName(name)
	if err != nil {
		return spooled{}, err
	}
	for i := 0; i < maxLinkDepth; i++ {
		if b, ok := s.blobs[clean]; ok {
			return b, nil
		}
		next, ok := s.links[clean]
		if !ok {
			return spooled{}, fmt.Errorf("%s is not in the archive: %w", name, errdefs.ErrNotFound)
		}
		clean = next
	}
	return spooled{}, fmt.Errorf("%s: too many links: %w", name, errdefs.ErrInvalidArgument)
}
