package snapshot

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// mountOverlayFsconfig mounts an overlay through the new mount API, which
// takes every option separately instead of one page-limited string, and
// (Linux 6.8+) each lower directory separately with "lowerdir+". It is the
// way past the page limit when even relative lower paths do not fit.
func mountOverlayFsconfig(source, target string, flags uintptr, data []string) error {
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("fsopen overlay: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.FsconfigSetString(fd, "source", source); err != nil {
		return fmt.Errorf("fsconfig source: %w", err)
	}
	for _, o := range data {
		if err := fsconfigOption(fd, o); err != nil {
			return err
		}
	}
	if err := unix.FsconfigCreate(fd); err != nil {
		return fmt.Errorf("creating overlay: %w", err)
	}
	mfd, err := unix.Fsmount(fd, unix.FSMOUNT_CLOEXEC, mountAttrs(flags))
	if err != nil {
		return fmt.Errorf("fsmount overlay: %w", err)
	}
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("attaching overlay at %s: %w", target, err)
	}
	return nil
}

func fsconfigOption(fd int, o string) error {
	k, v, ok := strings.Cut(o, "=")
	if !ok {
		if err := unix.FsconfigSetFlag(fd, k); err != nil {
			return fmt.Errorf("fsconfig %s: %w", k, err)
		}
		return nil
	}
	if k != "lowerdir" {
		if err := unix.FsconfigSetString(fd, k, v); err != nil {
			return fmt.Errorf("fsconfig %s: %w", o, err)
		}
		return nil
	}
	for _, l := range strings.Split(v, ":") {
		if err := unix.FsconfigSetString(fd, "lowerdir+", l); err != nil {
			return fmt.Errorf("fsconfig lowerdir+ %s (needs Linux 6.8): %w", l, err)
		}
	}
	return nil
}

// mountAttrs turns mount(2) flags into fsmount(2) attributes.
func mountAttrs(flags uintptr) int {
	attrs := 0
	for flag, attr := range map[uintptr]int{
		unix.MS_RDONLY: unix.MOUNT_ATTR_RDONLY, unix.MS_NOSUID: unix.MOUNT_ATTR_NOSUID,
		unix.MS_NODEV: unix.MOUNT_ATTR_NODEV, unix.MS_NOEXEC: unix.MOUNT_ATTR_NOEXEC,
		unix.MS_NOATIME: unix.MOUNT_ATTR_NOATIME, unix.MS_NODIRATIME: unix.MOUNT_ATTR_NODIRATIME,
	} {
		if flags&flag != 0 {
			attrs |= attr
		}
	}
	return attrs
}
