package archive

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

// WhiteoutMode says what Apply makes of the whiteout entries a layer uses
// to record deletions.
type WhiteoutMode int

const (
	// OverlayWhiteouts keeps deletions as overlayfs does: .wh.NAME becomes a
	// 0/0 character device NAME and .wh..wh..opq the xattr
	// trusted.overlay.opaque=y on its directory. Use it to unpack a layer
	// into an empty directory of its own that will be an overlay lower dir.
	OverlayWhiteouts WhiteoutMode = iota
	// CopyWhiteouts performs deletions on dir: .wh.NAME removes NAME, and
	// .wh..wh..opq removes what lower layers left in its directory while
	// keeping what this layer adds there. Use it to flatten layers into one
	// directory (no overlayfs, or an import).
	CopyWhiteouts
)

// ApplyOptions tune Apply. The zero value unpacks an overlay lower layer.
type ApplyOptions struct {
	Whiteouts WhiteoutMode
	// SkipUncreatableDevices turns a device node the kernel refuses to make
	// (EPERM: no CAP_MKNOD, as in a user namespace) into a counted skip
	// rather than an error. Images often carry /dev nodes nobody needs;
	// the runtime mounts its own /dev.
	SkipUncreatableDevices bool
}

// ApplyResult describes the layer Apply read.
type ApplyResult struct {
	// DiffID is the sha256 of the uncompressed tar, the diff_id an image
	// config lists for this layer; compare it before trusting dir.
	DiffID digest.Digest
	// Size is the length of the uncompressed tar in bytes.
	Size int64
	// Compression is what the stream turned out to be.
	Compression Compression
	// Entries counts the tar headers applied, whiteouts included.
	Entries int
	// SkippedDevices counts device nodes left out; see SkipUncreatableDevices.
	SkippedDevices int
}

// Tar names longer than the kernel's PATH_MAX cannot be created anyway;
// refusing them early gives a clearer error than ENAMETOOLONG.
const maxNameLen = 4096

// Apply unpacks the layer tarball r (gzip, zstd or plain tar, detected from
// its bytes) into dir, handling whiteouts as opts.Whiteouts says. It reads r
// to its end so that DiffID covers the whole uncompressed stream, and stops
// at the first bad entry: a failed Apply leaves dir half written, and the
// caller (a snapshotter) removes it. Nothing outside dir is ever written;
// see the package documentation for how.
func Apply(ctx context.Context, dir string, r io.Reader, opts ApplyOptions) (ApplyResult, error) {
	var res ApplyResult
	dr, c, err := Decompress(r)
	if err != nil {
		return res, err
	}
	defer dr.Close()
	res.Compression = c
	h := sha256.New()
	counted := &countingWriter{w: h}
	stream := newReadahead(io.TeeReader(dr, counted))
	defer stream.Close()

	a, err := newApplier(dir, opts)
	if err != nil {
		return res, err
	}
	defer a.root.close()
	if err := a.applyAll(ctx, tar.NewReader(stream)); err != nil {
		return res, err
	}
	// The tar reader stops at the end-of-archive blocks; the diff_id is
	// over every byte, padding included, and a gzip checksum error only
	// shows at the very end.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return res, fmt.Errorf("reading layer: %w", err)
	}
	res.DiffID = digest.NewDigest(digest.SHA256, h)
	res.Size = counted.n
	res.Entries, res.SkippedDevices = a.entries, a.skippedDevices
	return res, nil
}

func (a *applier) applyAll(ctx context.Context, tr *tar.Reader) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading layer: %w", err)
		}
		if err := a.apply(hdr, tr); err != nil {
			return fmt.Errorf("applying %q: %w", hdr.Name, err)
		}
	}
	return a.setDirTimes()
}

// apply dispatches one tar entry.
func (a *applier) apply(hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if name == "." {
		// dir's own metadata belongs to whoever made dir, not the layer.
		return nil
	}
	a.entries++
	parent, base := path.Split(name)
	parent = path.Clean(parent)
	if strings.HasPrefix(base, whiteoutPrefix) {
		return a.whiteout(parent, base)
	}
	if err := checkIDs(hdr); err != nil {
		return err
	}
	if isSparse(hdr) {
		// A few bytes of sparse map can describe an exabyte of holes that
		// Apply would write out as zeros: a disk-filling bomb. Layers
		// built by image tools never use sparse entries.
		return fmt.Errorf("sparse file: %w", errdefs.ErrInvalidArgument)
	}
	pfd, err := a.root.dir(parent, true)
	if err != nil {
		return err
	}
	if a.added != nil {
		a.added[name] = struct{}{}
	}
	return a.create(pfd, name, base, hdr, r)
}

// cleanName turns a tar name into a path relative to dir. A leading "/" is
// dropped, as tar(1) does; a ".." component is refused outright rather
// than clamped, because no honest layer has one.
func cleanName(name string) (string, error) {
	if len(name) > maxNameLen {
		return "", fmt.Errorf("name of %d bytes: %w", len(name), errdefs.ErrInvalidArgument)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("name with \"..\": %w", errdefs.ErrInvalidArgument)
		}
	}
	clean := path.Clean("/" + name)
	if clean == "/" {
		return ".", nil
	}
	return clean[1:], nil
}

func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

func checkIDs(hdr *tar.Header) error {
	const maxID = 1<<32 - 2 // (uid_t)-1 means "unchanged" to chown
	if hdr.Uid < 0 || hdr.Gid < 0 || int64(hdr.Uid) > maxID || int64(hdr.Gid) > maxID {
		return fmt.Errorf("uid %d gid %d: %w", hdr.Uid, hdr.Gid, errdefs.ErrInvalidArgument)
	}
	return nil
}

// setDirTimes runs last: creating an entry changes its directory's mtime,
// so directories get the layer's times only once nothing else will.
func (a *applier) setDirTimes() error {
	for _, d := range a.dirTimes {
		pfd, err := a.root.dir(path.Dir(d.name), false)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed again by a later entry
			}
			return err
		}
		if err := setTimes(pfd, path.Base(d.name), d.mtime, d.atime); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("setting times of %q: %w", d.name, err)
		}
	}
	return nil
}

type dirTime struct {
	name         string
	mtime, atime time.Time
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
