package engine

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/archive"
	"github.com/hullrt/hull/internal/errdefs"
)

// The three calls below are Docker's container archive API (HEAD, GET and
// PUT /containers/{id}/archive), which `docker cp` is built on. They work
// on a created, running or stopped container alike, on the filesystem its
// processes see (root filesystem, volumes and binds), and resolve every
// path inside the container: a symlink the container planted cannot lead
// them to the host.

// StatPath describes the file at p in the container. Every component of p
// but the last is resolved; the last too when p ends in "/" or "/.". For a
// symlink, LinkTarget is where it leads, as a path in the container.
func (e *Engine) StatPath(ctx context.Context, ref, p string) (container.PathStat, error) {
	return e.atPath(ctx, ref, p, nil)
}

// CopyFromContainer writes the file or directory at p in the container to
// w as a tar stream whose entries start with p's last name ("." when p
// ends in "/."), and returns what StatPath would.
func (e *Engine) CopyFromContainer(ctx context.Context, ref, p string, w io.Writer) (container.PathStat, error) {
	return e.atPath(ctx, ref, p, func(fd int, st container.PathStat) error {
		return writeArchive(w, fd, st.Name)
	})
}

// atPath opens p in the container's file system, stats it and, unless fn
// is nil, hands fn the open file and its stat.
func (e *Engine) atPath(ctx context.Context, ref, p string, fn func(fd int, st container.PathStat) error) (container.PathStat, error) {
	c, err := e.Lookup(ref)
	if err != nil {
		return container.PathStat{}, err
	}
	var st container.PathStat
	err = e.inContainerFS(ctx, c, func(root int) error {
		fd, err := openContainerPath(root, p)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if st, err = pathStat(root, fd, p); err != nil || fn == nil {
			return err
		}
		return fn(fd, st)
	})
	return st, copyError(err, c, p)
}

// CopyToOptions tune CopyToContainer.
type CopyToOptions struct {
	// CopyUIDGID keeps the owners the archive gives; otherwise what is
	// copied belongs to the container's root, as `docker cp` without -a.
	CopyUIDGID bool
}

// CopyToContainer extracts the tar stream r into the directory dir of the
// container. An entry may not replace a directory with a non-directory or
// the reverse, nor name a path outside dir; a read-only root filesystem or
// volume refuses the copy.
func (e *Engine) CopyToContainer(ctx context.Context, ref, dir string, r io.Reader, opts CopyToOptions) error {
	c, err := e.Lookup(ref)
	if err != nil {
		return err
	}
	err = e.inContainerFS(ctx, c, func(root int) error {
		fd, err := openInRoot(root, dir, unix.O_PATH)
		if err != nil {
			return err
		}
		var st unix.Stat_t
		err = unix.Fstat(fd, &st)
		real, perr := containerPathOf(root, fd)
		unix.Close(fd)
		switch {
		case err != nil:
			return err
		case perr != nil:
			return perr
		case st.Mode&unix.S_IFMT != unix.S_IFDIR:
			return fmt.Errorf("extraction point %s is not a directory: %w", dir, errdefs.ErrInvalidArgument)
		}
		if err := writable(c, real); err != nil {
			return err
		}
		return extractInRoot(ctx, root, real, r, opts)
	})
	return copyError(err, c, dir)
}

// extractInRoot applies r beneath root with each entry moved under dir.
func extractInRoot(ctx context.Context, root int, dir string, r io.Reader, opts CopyToOptions) error {
	pr := rewriteTar(r, func(hdr *tar.Header) error {
		if err := moveEntry(hdr, dir); err != nil {
			return err
		}
		if !opts.CopyUIDGID {
			hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		}
		return checkReplace(root, hdr)
	})
	defer pr.Close()
	// archive.Apply resolves every entry beneath the root it opens, here
	// the descriptor of the container's root in this namespace.
	_, err := archive.Apply(ctx, fdPath(root), pr, archive.ApplyOptions{Whiteouts: archive.CopyWhiteouts})
	return err
}

// moveEntry renames an archive entry (and a hard link's target) to lie
// under dir. Names climbing out with ".." are refused; the entry of dir
// itself (a "./" that an archive of "src/." starts with) is skipped, so
// that copying into a directory never changes the directory's own owner
// or mode.
func moveEntry(hdr *tar.Header, dir string) error {
	if path.Clean("/"+hdr.Name) == "/" {
		return errSkipEntry
	}
	move := func(name string) (string, error) {
		clean := path.Clean("/" + name)
		for _, part := range strings.Split(name, "/") {
			if part == ".." {
				return "", fmt.Errorf("archive entry %q leaves the destination: %w", name, errdefs.ErrInvalidArgument)
			}
		}
		return path.Join(dir, clean), nil
	}
	var err error
	if hdr.Name, err = move(hdr.Name); err != nil {
		return err
	}
	if hdr.Typeflag == tar.TypeLink {
		hdr.Linkname, err = move(hdr.Linkname)
	}
	return err
}

// checkReplace refuses an entry that would replace a directory with a
// non-directory or the reverse, as Docker refuses it: archive.Apply would
// remove the whole directory.
func checkReplace(root int, hdr *tar.Header) error {
	var st unix.Stat_t
	fd, err := openInRoot(root, hdr.Name, unix.O_PATH|unix.O_NOFOLLOW)
	if err != nil {
		return nil // missing, or not reachable: Apply reports what matters
	}
	defer unix.Close(fd)
	if unix.Fstat(fd, &st) != nil {
		return nil
	}
	isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	switch {
	case isDir && hdr.Typeflag != tar.TypeDir:
		return fmt.Errorf("cannot overwrite directory %q with non-directory: %w", hdr.Name, errdefs.ErrInvalidArgument)
	case !isDir && hdr.Typeflag == tar.TypeDir:
		return fmt.Errorf("cannot overwrite non-directory %q with directory: %w", hdr.Name, errdefs.ErrInvalidArgument)
	}
	return nil
}

// writable refuses a copy into a read-only root filesystem or volume.
func writable(c *Container, dir string) error {
	var best *Mount
	for i, m := range c.Mounts {
		if dir == m.Destination || strings.HasPrefix(dir, strings.TrimSuffix(m.Destination, "/")+"/") {
			if best == nil || len(m.Destination) > len(best.Destination) {
				best = &c.Mounts[i]
			}
		}
	}
	switch {
	case best != nil && best.Type == mount.TypeTmpfs:
		return fmt.Errorf("copying into the tmpfs mount %s is not supported: %w", best.Destination, errdefs.ErrInvalidArgument)
	case best != nil && !best.RW:
		return fmt.Errorf("mounted volume is marked read-only: %w", errdefs.ErrConflict)
	case best == nil && c.HostConfig.ReadonlyRootfs:
		return fmt.Errorf("container rootfs is marked read-only: %w", errdefs.ErrConflict)
	}
	return nil
}

// openContainerPath opens p beneath root without following its last
// component, unless p ends in "/" or "/." (Docker's way of asking for the
// directory a symlink leads to).
func openContainerPath(root int, p string) (int, error) {
	flags := uint64(unix.O_PATH)
	if !followsLast(p) {
		flags |= unix.O_NOFOLLOW
	}
	return openInRoot(root, p, flags)
}

func followsLast(p string) bool {
	return p == "" || p == "." || strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.")
}

// pathStat describes the file fd, which p names.
func pathStat(root, fd int, p string) (container.PathStat, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return container.PathStat{}, &os.PathError{Op: "stat", Path: p, Err: err}
	}
	ps := container.PathStat{Name: archiveName(p), Size: st.Size, Mode: fileMode(st.Mode),
		Mtime: time.Unix(st.Mtim.Unix())}
	if ps.Mode&os.ModeSymlink != 0 {
		ps.LinkTarget = linkTarget(root, fd, p)
	}
	return ps, nil
}

// archiveName is the name an archive of p starts with: its last name, or
// "." for p ending in "/." and for the root, whose contents go straight
// into the destination.
func archiveName(p string) string {
	if strings.HasSuffix(p, "/.") || p == "." || path.Clean("/"+p) == "/" {
		return "."
	}
	return path.Base(path.Clean("/" + p))
}

// linkTarget is where the symlink fd leads in the container: the resolved
// path when it resolves, else the link's text.
func linkTarget(root, fd int, p string) string {
	text, err := readlinkFD(fd)
	if err != nil {
		return ""
	}
	if target, err := openInRoot(root, p, unix.O_PATH); err == nil {
		defer unix.Close(target)
		if resolved, err := containerPathOf(root, target); err == nil {
			return resolved
		}
	}
	return text
}

// containerPathOf is the path of fd as the container names it.
func containerPathOf(root, fd int) (string, error) {
	rootPath, err := os.Readlink(fdPath(root))
	if err != nil {
		return "", err
	}
	p, err := os.Readlink(fdPath(fd))
	if err != nil {
		return "", err
	}
	rel, ok := strings.CutPrefix(p, rootPath)
	if !ok || rel != "" && !strings.HasPrefix(rel, "/") {
		return "", fmt.Errorf("%s is outside the container", p)
	}
	return path.Clean("/" + rel), nil
}

// copyError words a failed copy as Docker's daemon does.
func copyError(err error, c *Container, p string) error {
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("could not find the file %s in container %s: %w", p, c.Name, errdefs.ErrNotFound)
	}
	if errors.Is(err, unix.ENOTDIR) {
		return fmt.Errorf("%s: not a directory: %w", p, errdefs.ErrInvalidArgument)
	}
	return err
}
