package snapshot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Mount performs mounts, in order, on target, the way a snapshot's mounts
// are meant: bind mounts ("bind" type or a bind/rbind option) and overlay
// or other filesystems by mount(2). If one fails, those already made are
// undone.
func Mount(mounts []specs.Mount, target string) error {
	target, err := filepath.Abs(target)
	if err != nil {
		return err
	}
	for i, m := range mounts {
		if err := mountOne(m, target); err != nil {
			for ; i > 0; i-- {
				unix.Unmount(target, unix.MNT_DETACH)
			}
			return fmt.Errorf("mounting %s on %s: %w", m.Type, target, err)
		}
	}
	return nil
}

// mountFlags are the options mount(2) takes as flags; the rest go to the
// filesystem as its data string.
var mountFlags = map[string]struct {
	clear bool
	flag  uintptr
}{
	"ro": {false, unix.MS_RDONLY}, "rw": {true, unix.MS_RDONLY},
	"nosuid": {false, unix.MS_NOSUID}, "suid": {true, unix.MS_NOSUID},
	"nodev": {false, unix.MS_NODEV}, "dev": {true, unix.MS_NODEV},
	"noexec": {false, unix.MS_NOEXEC}, "exec": {true, unix.MS_NOEXEC},
	"noatime": {false, unix.MS_NOATIME}, "relatime": {false, unix.MS_RELATIME},
	"nodiratime": {false, unix.MS_NODIRATIME}, "strictatime": {false, unix.MS_STRICTATIME},
	"sync": {false, unix.MS_SYNCHRONOUS}, "dirsync": {false, unix.MS_DIRSYNC},
	"bind": {false, unix.MS_BIND}, "rbind": {false, unix.MS_BIND | unix.MS_REC},
}

func parseOptions(opts []string) (flags uintptr, data []string) {
	for _, o := range opts {
		f, ok := mountFlags[o]
		switch {
		case !ok:
			data = append(data, o)
		case f.clear:
			flags &^= f.flag
		default:
			flags |= f.flag
		}
	}
	return flags, data
}

func mountOne(m specs.Mount, target string) error {
	flags, data := parseOptions(m.Options)
	if m.Type == "bind" {
		flags |= unix.MS_BIND
	}
	if flags&unix.MS_BIND != 0 {
		return bind(m.Source, target, flags)
	}
	opts := strings.Join(data, ",")
	if len(opts) < os.Getpagesize() {
		return unix.Mount(m.Source, target, m.Type, flags, opts)
	}
	if m.Type != "overlay" {
		return fmt.Errorf("mount options are %d bytes, over the kernel's limit of %d: %w",
			len(opts), os.Getpagesize()-1, errdefs.ErrInvalidArgument)
	}
	return mountOverlayRelative(m.Source, target, flags, data)
}

// bind makes a bind mount; the kernel ignores flags such as read-only on
// the first call, so they take a remount.
func bind(source, target string, flags uintptr) error {
	if err := unix.Mount(source, target, "", flags&(unix.MS_BIND|unix.MS_REC), ""); err != nil {
		return err
	}
	rest := flags &^ (unix.MS_BIND | unix.MS_REC)
	if rest == 0 {
		return nil
	}
	if err := unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|rest, ""); err != nil {
		unix.Unmount(target, unix.MNT_DETACH)
		return err
	}
	return nil
}

// mountOverlayRelative mounts an overlay whose options exceed the one page
// mount(2) copies from user space (a chain of some 40+ layers with long
// paths). The lower directories share a parent (ROOT/snapshots), so they
// are given relative to it from a thread whose working directory is that
// parent; if even that is too long, the new mount API takes them one by one. The thread unshares its filesystem attributes first so the
// chdir does not move the rest of the process, and is never unlocked, so
// the Go runtime discards it afterwards.
func mountOverlayRelative(source, target string, flags uintptr, data []string) error {
	base, rel, err := relativeLowers(data)
	if err != nil {
		return err
	}
	opts := strings.Join(rel, ",")
	if len(opts) >= os.Getpagesize() {
		if err := mountOverlayFsconfig(source, target, flags, data); err != nil {
			return fmt.Errorf("overlay options are %d bytes even with relative lower directories, over the kernel's limit of %d, and the new mount API failed: %w: %w",
				len(opts), os.Getpagesize()-1, err, errdefs.ErrInvalidArgument)
		}
		return nil
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread's cwd is changed
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			done <- fmt.Errorf("unsharing working directory: %w", err)
			return
		}
		if err := unix.Chdir(base); err != nil {
			done <- err
			return
		}
		done <- unix.Mount(source, target, "overlay", flags, opts)
	}()
	return <-done
}

// relativeLowers rewrites the lowerdir option relative to the lower
// directories' common parent, which it returns.
func relativeLowers(data []string) (string, []string, error) {
	out := append([]string(nil), data...)
	for i, o := range out {
		v, ok := strings.CutPrefix(o, "lowerdir=")
		if !ok {
			continue
		}
		lowers := strings.Split(v, ":")
		base := filepath.Dir(lowers[0])
		for _, l := range lowers {
			for !strings.HasPrefix(l, base+"/") && base != "/" {
				base = filepath.Dir(base)
			}
		}
		for j, l := range lowers {
			lowers[j] = strings.TrimPrefix(l, base+"/")
		}
		out[i] = "lowerdir=" + strings.Join(lowers, ":")
		return base, out, nil
	}
	return "", nil, fmt.Errorf("overlay options too long and no lowerdir to shorten: %w", errdefs.ErrInvalidArgument)
}

// Unmount undoes everything mounted on target (a snapshot's mounts may
// stack), retrying briefly while the mount is busy. Nothing mounted is not
// an error, so cleanup code may call it unconditionally.
func Unmount(target string) error {
	for tries := 0; ; {
		err := unix.Unmount(target, 0)
		switch {
		case err == nil:
			continue
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EBUSY) && tries < 50:
			tries++
			time.Sleep(10 * time.Millisecond)
			continue
		case errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT):
			if mounted, _ := mountinfo.Mounted(target); !mounted {
				return nil
			}
		}
		return fmt.Errorf("unmounting %s: %w", target, err)
	}
}

func splitOptions(s string) []string { return strings.Split(s, ",") }
