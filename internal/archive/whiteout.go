package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

const (
	// whiteoutPrefix marks a deletion: .wh.NAME deletes NAME (OCI image spec,
	// "Representing Changes").
	whiteoutPrefix = ".wh."
	// whiteoutMeta prefixes AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs)
	// that old Docker layers carry; it has no meaning outside AUFS.
	whiteoutMeta = ".wh..wh."
	// whiteoutOpaque hides everything lower layers have in its directory.
	whiteoutOpaque = ".wh..wh..opq"

	overlayOpaqueXattr   = "trusted.overlay.opaque"
	overlayRedirectXattr = "trusted.overlay.redirect"
	overlayMetacopyXattr = "trusted.overlay.metacopy"
)

// whiteout applies the whiteout entry base found in directory parent.
func (a *applier) whiteout(parent, base string) error {
	if base != whiteoutOpaque && strings.HasPrefix(base, whiteoutMeta) {
		return nil
	}
	overlay := a.opts.Whiteouts == OverlayWhiteouts
	// In copy mode a whiteout in a directory that does not exist has
	// nothing to delete; creating the directory would add one.
	pfd, err := a.root.dir(parent, overlay)
	if err != nil {
		if !overlay && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if base == whiteoutOpaque {
		if overlay {
			return setOpaque(pfd)
		}
		return a.removeLowerChildren(parent)
	}
	name := base[len(whiteoutPrefix):]
	if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return fmt.Errorf("whiteout %q: %w", base, errdefs.ErrInvalidArgument)
	}
	if overlay {
		return overlayWhiteout(a.root, pfd, name)
	}
	return a.removeLower(pfd, path.Join(parent, name), name)
}

// setOpaque marks the directory pfd opaque for overlayfs.
func setOpaque(pfd int) error {
	p := "/proc/self/fd/" + fmt.Sprint(pfd)
	if err := unix.Setxattr(p, overlayOpaqueXattr, []byte("y"), 0); err != nil {
		return fmt.Errorf("setting %s: %w", overlayOpaqueXattr, err)
	}
	return nil
}

// overlayWhiteout replaces name with the 0/0 character device overlayfs
// reads as "deleted". Linux 5.8 and later let any user make this one device.
func overlayWhiteout(rt *root, pfd int, name string) error {
	rt.invalidate()
	if err := removeAll(pfd, name); err != nil {
		return err
	}
	if err := unix.Mknodat(pfd, name, unix.S_IFCHR, 0); err != nil {
		return &os.PathError{Op: "mknodat", Path: name, Err: err}
	}
	return nil
}

// removeLower removes rel (name in the directory dirfd) as far as lower
// layers made it: what this layer wrote stays, and a directory this layer
// wrote loses only the lower layers' entries inside it. That makes the
// result the same whatever order the whiteout and the layer's own entries
// come in.
func (a *applier) removeLower(dirfd int, rel, name string) error {
	if _, ok := a.added[rel]; !ok {
		a.root.invalidate()
		return removeAll(dirfd, name)
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "openat", Path: rel, Err: err}
	}
	defer unix.Close(fd)
	return a.removeLowerIn(fd, rel)
}

// removeLowerChildren handles an opaque marker in copy mode.
func (a *applier) removeLowerChildren(dir string) error {
	fd, err := a.root.openat2(dir, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return a.removeLowerIn(fd, dir)
}

func (a *applier) removeLowerIn(fd int, rel string) error {
	names, err := readDirNames(fd)
	if err != nil {
		return fmt.Errorf("reading %q: %w", rel, err)
	}
	for _, n := range names {
		if err := a.removeLower(fd, path.Join(rel, n), n); err != nil {
			return err
		}
	}
	return nil
}
