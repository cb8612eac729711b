package rootfs

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// WriteSysctls writes linux.sysctl: each name, such as
// "net.ipv4.ip_forward", is the file /proc/sys/net/ipv4/ip_forward of the
// container's procfs. Names are written in sorted order, all checked first:
// one holding a "/" or an empty component (hence any "..") is refused.
//
// Preconditions: Pivot succeeded and the container's procfs is on /proc;
// call it before Finalize, which usually makes /proc/sys read-only.
func WriteSysctls(sysctl map[string]string) error {
	if len(sysctl) == 0 {
		return nil
	}
	names, err := sysctlNames(sysctl)
	if err != nil {
		return err
	}
	proc, err := openProc()
	if err != nil {
		return fmt.Errorf("writing sysctls: %w", withKind(err))
	}
	defer unix.Close(proc)
	for _, name := range names {
		if err := writeSysctl(proc, name, sysctl[name]); err != nil {
			return fmt.Errorf("sysctl %q: %w", name, withKind(err))
		}
	}
	return nil
}

// sysctlNames returns the names of sysctl in the order they are written,
// each checked by sysctlPath.
func sysctlNames(sysctl map[string]string) ([]string, error) {
	names := make([]string, 0, len(sysctl))
	for name := range sysctl {
		if _, err := sysctlPath(name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// sysctlPath turns a sysctl name into its path below /proc.
func sysctlPath(name string) (string, error) {
	bad := name == "" || strings.ContainsAny(name, "/\x00")
	for c := range strings.SplitSeq(name, ".") {
		bad = bad || c == ""
	}
	if bad {
		return "", fmt.Errorf("sysctl name %q: %w", name, errdefs.ErrInvalidArgument)
	}
	return "sys/" + strings.ReplaceAll(name, ".", "/"), nil
}

// openProc opens /proc and checks it is the root of a procfs: an image could
// otherwise have sysctls written into files of its choosing through a fake
// /proc (CVE-2019-19921).
func openProc() (int, error) {
	fd, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: "/proc", Err: err}
	}
	var fs unix.Statfs_t
	var st unix.Stat_t
	if unix.Fstatfs(fd, &fs) != nil || fs.Type != unix.PROC_SUPER_MAGIC || unix.Fstat(fd, &st) != nil || st.Ino != 1 {
		unix.Close(fd)
		return -1, fmt.Errorf("/proc is not a procfs: %w", errdefs.ErrUnavailable)
	}
	return fd, nil
}

// writeSysctl writes one value. The lookup stays in the procfs mount and
// follows no symlink: CVE-2025-52881, a file bind-mounted or linked over a
// sysctl redirected the runtime's write elsewhere.
func writeSysctl(proc int, name, value string) error {
	p, _ := sysctlPath(name)
	fd, err := openat2(proc, p, unix.O_WRONLY|unix.O_TRUNC,
		unix.RESOLVE_BENEATH|unix.RESOLVE_NO_SYMLINKS|unix.RESOLVE_NO_MAGICLINKS|unix.RESOLVE_NO_XDEV)
	if err == unix.EXDEV {
		return fmt.Errorf("%w: a mount covers it (readonlyPaths? WriteSysctls goes before Finalize)",
			&os.PathError{Op: "open", Path: "/proc/" + p, Err: err})
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: "/proc/" + p, Err: err}
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(value)); err != nil {
		return &os.PathError{Op: "write", Path: "/proc/" + p, Err: err}
	}
	return nil
}
