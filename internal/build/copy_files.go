package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/archive"
)

// copier writes a COPY's or ADD's sources into a step's tree. Every path
// in the tree is resolved with its symlinks taken relative to the tree's
// root, so a link in the image cannot send a write to the host.
type copier struct {
	ctx      context.Context
	rootfs   string
	uid, gid int
	mode     os.FileMode
	setMode  bool
	add      bool
	// ignore, when the sources are the context, hides what
	// .dockerignore excludes from directories being copied.
	ignore *Context
}

func newCopier(ctx context.Context, rootfs string, req copyRequest, ignore *Context) (*copier, error) {
	uid, gid, err := resolveOwner(rootfs, req.chown)
	if err != nil {
		return nil, err
	}
	mode, setMode, err := parseChmod(req.chmod)
	if err != nil {
		return nil, err
	}
	return &copier{ctx: ctx, rootfs: rootfs, uid: uid, gid: gid, mode: mode, setMode: setMode, add: req.add, ignore: ignore}, nil
}

// copyAll copies each source to dest (absolute in the tree) by Docker's
// rules: a directory's contents go into dest; a file goes to dest itself,
// or into it when dest ends in "/" or is a directory; ADD unpacks a local
// tarball into dest.
func (cp *copier) copyAll(srcs []source, dest string) error {
	destDir := strings.HasSuffix(dest, "/")
	dest = path.Clean(dest)
	for _, s := range srcs {
		fi, err := os.Lstat(s.abs)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			err = cp.copyDirContents(s.abs, s.rel, dest)
		case cp.add && fi.Mode().IsRegular() && isTarFile(s.abs):
			err = cp.unpack(s.abs, dest)
		default:
			target := dest
			if destDir || cp.isDir(dest) {
				target = path.Join(dest, s.base)
			}
			if err = cp.mkdirAll(path.Dir(target)); err == nil {
				err = cp.copyEntry(s.abs, s.rel, target)
			}
		}
		if err != nil {
			return fmt.Errorf("copying %s to %s: %w", s.base, dest, err)
		}
	}
	return nil
}

// place is where a path of the tree is on the host: its parent resolved
// inside the root, its last element as given (it may be replaced).
func (cp *copier) place(p string) (string, error) {
	p = path.Clean("/" + p)
	if p == "/" {
		return cp.rootfs, nil
	}
	dir, err := securejoin.SecureJoin(cp.rootfs, path.Dir(p))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, path.Base(p)), nil
}

func (cp *copier) isDir(p string) bool {
	host, err := securejoin.SecureJoin(cp.rootfs, p)
	if err != nil {
		return false
	}
	fi, err := os.Stat(host)
	return err == nil && fi.IsDir()
}

// mkdirAll makes p and its missing parents, owned as the copied files.
// Symlinks on the way are followed inside the tree, as Docker does: the
// directories are made where they lead.
func (cp *copier) mkdirAll(p string) error {
	host, err := securejoin.SecureJoin(cp.rootfs, p)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(cp.rootfs, host)
	if err != nil || rel == "." {
		return err
	}
	cur := cp.rootfs
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory", relSlash(cp.rootfs, cur))
			}
			continue
		}
		if err := os.Mkdir(cur, 0o755); err != nil {
			return err
		}
		if err := os.Lchown(cur, cp.uid, cp.gid); err != nil {
			return err
		}
	}
	return nil
}

func (cp *copier) copyDirContents(src, rel, dest string) error {
	if err := cp.mkdirAll(dest); err != nil {
		return err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		childRel := joinRel(rel, e.Name())
		if cp.ignored(childRel) {
			continue
		}
		if err := cp.copyEntry(filepath.Join(src, e.Name()), childRel, path.Join(dest, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func (cp *copier) ignored(rel string) bool {
	return cp.ignore != nil && cp.ignore.ignored(rel)
}

func joinRel(rel, name string) string {
	if rel == "" {
		return name
	}
	return rel + "/" + name
}

// copyEntry copies one file, link or directory (recursively) to dst.
func (cp *copier) copyEntry(src, rel, dst string) error {
	if err := cp.ctx.Err(); err != nil {
		return err
	}
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	target, err := cp.place(dst)
	if err != nil {
		return err
	}
	switch {
	case fi.IsDir():
		if err := cp.copyDirContents(src, rel, dst); err != nil {
			return err
		}
		return cp.setMeta(target, fi, false)
	case fi.Mode().IsRegular():
		return cp.copyFile(src, target, fi)
	case fi.Mode()&os.ModeSymlink != 0:
		link, err := os.Readlink(src)
		if err != nil {
			return err
		}
		if err := removeNonDir(target); err != nil {
			return err
		}
		if err := os.Symlink(link, target); err != nil {
			return err
		}
		return cp.setMeta(target, fi, true)
	}
	return nil // sockets, fifos and devices are not copied
}

// removeNonDir clears the way for a file or link; a directory in the way
// is an error, as in Docker.
func removeNonDir(p string) error {
	fi, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("cannot replace directory %s with a file", p)
	}
	return os.Remove(p)
}

func (cp *copier) copyFile(src, target string, fi os.FileInfo) error {
	if err := removeNonDir(target); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return cp.setMeta(target, fi, false)
}

// setMeta gives a copied entry its owner, mode (--chmod or the source's)
// and modification time (the source's, as Docker keeps it).
func (cp *copier) setMeta(target string, fi os.FileInfo, link bool) error {
	if err := os.Lchown(target, cp.uid, cp.gid); err != nil {
		return err
	}
	if !link {
		mode := fi.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky)
		if cp.setMode {
			mode = cp.mode
		}
		if err := os.Chmod(target, mode); err != nil {
			return err
		}
	}
	ts := []unix.Timespec{unix.NsecToTimespec(fi.ModTime().UnixNano()), unix.NsecToTimespec(fi.ModTime().UnixNano())}
	return unix.UtimesNanoAt(unix.AT_FDCWD, target, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// unpack extracts a tarball (ADD) into dest, keeping its owners.
func (cp *copier) unpack(src, dest string) error {
	if err := cp.mkdirAll(dest); err != nil {
		return err
	}
	dir, err := securejoin.SecureJoin(cp.rootfs, dest)
	if err != nil {
		return err
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = archive.Apply(cp.ctx, dir, f, archive.ApplyOptions{Whiteouts: archive.CopyWhiteouts, SkipUncreatableDevices: true})
	return err
}

// isTarFile tells a tarball (plain, gzip or zstd) that ADD unpacks from
// a file it copies.
func isTarFile(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if c, err := archive.DetectCompression(head); err == nil && c != archive.Uncompressed {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return false
		}
		plain, _, err := archive.Decompress(f)
		if err != nil {
			return false
		}
		defer plain.Close()
		n, _ = io.ReadFull(plain, head[:cap(head)])
		head = head[:n]
	}
	return len(head) >= 262 && string(head[257:262]) == "ustar"
}

// digestSources is the part of a COPY's cache key that covers its files:
// each one's path, type, permission bits, size, link target and content,
// walked in order. Times and owners are left out: COPY sets the owner,
// and a touched but unchanged file should not rebuild.
func (bd *build) digestSources(srcs []source, c *Context) (string, error) {
	h := sha256.New()
	for _, s := range srcs {
		fmt.Fprintf(h, "source %q\n", s.base)
		err := filepath.WalkDir(s.abs, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel := relSlash(s.abs, p)
			if c != nil && p != s.abs && c.ignored(joinRel(s.rel, rel)) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			return digestEntry(h, p, rel)
		})
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", s.base, err)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func digestEntry(h io.Writer, p, rel string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%q %o %d", rel, uint32(fi.Mode()), fi.Size())
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		link, err := os.Readlink(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, " -> %q", link)
	case fi.Mode().IsRegular():
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		fh := sha256.New()
		_, err = io.Copy(fh, f)
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, " %x", fh.Sum(nil))
	}
	_, err = io.WriteString(h, "\n")
	return err
}
