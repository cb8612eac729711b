package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// PopulateIn fills the volume from the directory target inside a
// container's root filesystem, as Docker does when a volume is first
// mounted over image content: the copy happens only if the volume was
// never filled and is empty, and then never again. A target that does not
// exist or is not a directory fills nothing.
//
// target is resolved the way the container will see it: symlinks on the
// way resolve inside rootfs (an image's /var/run -> /run leads to
// rootfs/run, its /data -> /etc to rootfs/etc), never to the host.
//
// Preconditions: a device volume is acquired (its device is mounted), so
// the data lands on the device.
func (s *Store) PopulateIn(name, rootfs, target string) error {
	return s.populate(name, func() (int, error) {
		root, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: rootfs, Err: err}
		}
		defer unix.Close(root)
		return openat2(root, target, unix.RESOLVE_IN_ROOT|unix.RESOLVE_NO_MAGICLINKS)
	})
}

// Populate is PopulateIn for a source given as one host path, sourceDir.
// As a symlink on that path could lead anywhere on the host, none may be
// on it: a path through a symlink is refused with an invalid argument.
// Callers holding a root filesystem and a path in it use PopulateIn.
func (s *Store) Populate(name, sourceDir string) error {
	return s.populate(name, func() (int, error) {
		return openat2(unix.AT_FDCWD, sourceDir, unix.RESOLVE_NO_SYMLINKS)
	})
}

// openat2 opens the directory p for reading with the given resolve rules,
// retrying when a concurrent rename makes the kernel ask to.
func openat2(dirfd int, p string, resolve uint64) (int, error) {
	how := unix.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: resolve}
	for range 16 {
		fd, err := unix.Openat2(dirfd, p, &how)
		if err == unix.EAGAIN || err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: p, Err: err}
		}
		return fd, nil
	}
	return -1, &os.PathError{Op: "open", Path: p, Err: unix.EAGAIN}
}

// populate fills the volume from the directory openSource opens, under the
// volume's lock so two containers starting at once fill it once.
func (s *Store) populate(name string, openSource func() (int, error)) error {
	l, err := s.lock(name)
	if err != nil {
		return err
	}
	defer l.unlock()
	state, err := l.needsFill()
	if err != nil || !state.needed {
		return err
	}
	src, err := openSource()
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return nil // nothing in the image there
	}
	if errors.Is(err, unix.ELOOP) {
		return fmt.Errorf("populate %s: a symlink is on the source's path (%w): %w", name, err, errdefs.ErrInvalidArgument)
	}
	if err != nil {
		return fmt.Errorf("populate %s: %w", name, err)
	}
	defer unix.Close(src)
	if err := l.fill(src, state.partial); err != nil {
		return fmt.Errorf("populate %s: %w", name, err)
	}
	return nil
}

type fillState struct {
	needed  bool // never filled
	partial bool // a fill began and was cut short
}

// needsFill reads the markers: populated means done for good; populating
// without populated means a killed fill to finish.
func (l *locked) needsFill() (fillState, error) {
	if _, err := os.Lstat(filepath.Join(l.dir(), populatedFile)); err == nil {
		os.Remove(filepath.Join(l.dir(), fillingFile))
		return fillState{}, nil
	} else if !os.IsNotExist(err) {
		return fillState{}, err
	}
	_, err := os.Lstat(filepath.Join(l.dir(), fillingFile))
	if err != nil && !os.IsNotExist(err) {
		return fillState{}, err
	}
	partial := err == nil
	if m, _ := mountSpecOf(l.rec.Options); m != nil {
		ok, err := mounted(l.data())
		if err != nil {
			return fillState{}, err
		}
		if !ok {
			return fillState{}, fmt.Errorf("volume %s is not mounted: acquire it first: %w", l.rec.Name, errdefs.ErrConflict)
		}
	}
	return fillState{needed: true, partial: partial}, nil
}

// fill copies the tree open as src into _data, with markers around it. A
// non-empty volume is left alone (the user's data) unless a fill of ours
// made it so; an empty source takes only its owner and mode to _data,
// as Docker's copy does, and leaves the volume open to a later fill.
func (l *locked) fill(src int, partial bool) error {
	dst, err := unix.Openat(l.fd, dataDir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: l.data(), Err: err}
	}
	defer unix.Close(dst)
	if !partial {
		empty, err := isEmptyDir(dst)
		if err != nil || !empty {
			return err
		}
	}
	srcEmpty, err := isEmptyDir(src)
	if err != nil {
		return err
	}
	if !srcEmpty {
		if err := l.mark(fillingFile); err != nil {
			return err
		}
		c := &copier{dstRoot: dst, links: map[fileID]string{}, resume: partial}
		if err := c.copyTree(src, dst, "."); err != nil {
			return err
		}
	}
	if err := copyRootMetadata(src, l.fd); err != nil {
		return err
	}
	if srcEmpty {
		return nil
	}
	if err := l.mark(populatedFile); err != nil {
		return err
	}
	return os.Remove(filepath.Join(l.dir(), fillingFile))
}

// copyRootMetadata gives _data the owner, mode, xattrs and times of the
// source directory open as src; volDir is the volume's directory.
func copyRootMetadata(src, volDir int) error {
	var st unix.Stat_t
	if err := unix.Fstat(src, &st); err != nil {
		return err
	}
	attrs, err := xattrsOf(src, "")
	if err != nil {
		return err
	}
	return setMetadata(volDir, dataDir, &st, attrs)
}

// mark creates one of the marker files in the volume's directory.
func (l *locked) mark(file string) error {
	return os.WriteFile(filepath.Join(l.dir(), file), nil, 0o600)
}

// forgetFilled removes the markers, for a device whose content is gone.
func (l *locked) forgetFilled() error {
	for _, f := range []string{populatedFile, fillingFile} {
		if err := os.Remove(filepath.Join(l.dir(), f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
