package spec

import (
	"errors"
	"fmt"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// maxUserFile bounds what is read of an image's /etc/passwd or /etc/group:
// the image is not trusted, and a real one is a few kilobytes.
const maxUserFile = 16 << 20

// ResolveUser turns --user ("uid[:gid]" or "name[:group]", either part a
// name or a number) and --group-add into the container's process user,
// reading the image's /etc/passwd and /etc/group under rootfs, with
// Docker's rules (see userDB.resolve). It also returns the user's home
// directory from /etc/passwd ("/" if it has none), for HOME.
//
// The rootfs belongs to the image and is not trusted: an /etc/passwd that
// is a symlink to /etc/shadow must not make hull read the host's file. So
// both files are opened with openat2(RESOLVE_IN_ROOT), which resolves every
// symlink as if rootfs were "/", and only regular files are read (a FIFO
// would block, a device could be endless). A missing file is no error as
// long as the user and group are numbers.
func ResolveUser(rootfs, user string, groupAdd []string) (specs.User, string, error) {
	root, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return specs.User{}, "", fmt.Errorf("opening the container's root: %w", &os.PathError{Op: "open", Path: rootfs, Err: err})
	}
	defer unix.Close(root)
	var db userDB
	if err := readInRoot(root, "etc/passwd", func(r io.Reader) (err error) {
		db.passwd, err = parsePasswd(r)
		return err
	}); err != nil {
		return specs.User{}, "", err
	}
	if err := readInRoot(root, "etc/group", func(r io.Reader) (err error) {
		db.group, err = parseGroup(r)
		return err
	}); err != nil {
		return specs.User{}, "", err
	}
	return db.resolve(user, groupAdd)
}

// readInRoot opens rel beneath the directory root as if root were "/" and
// hands it to parse. A missing file is not an error: parse is not called.
func readInRoot(root int, rel string, parse func(io.Reader) error) error {
	how := unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	var fd int
	var err error
	for i := 0; i < 16; i++ { // EAGAIN: a rename raced the lookup
		if fd, err = unix.Openat2(root, rel, &how); err != unix.EAGAIN && err != unix.EINTR {
			break
		}
	}
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the image's /%s: %w", rel, &os.PathError{Op: "openat2", Path: rel, Err: err})
	}
	f := os.NewFile(uintptr(fd), "/"+rel)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading the image's /%s: %w", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return invalid("the image's /%s is not a regular file", rel)
	}
	lr := &io.LimitedReader{R: f, N: maxUserFile + 1}
	if err := parse(lr); err != nil {
		return fmt.Errorf("reading the image's /%s: %w", rel, err)
	}
	if lr.N == 0 {
		return invalid("the image's /%s is larger than %d bytes", rel, maxUserFile)
	}
	return nil
}
