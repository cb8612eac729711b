package runtime

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/capabilities"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/seccomp"
)

// rlimitTypes maps the spec's rlimit names to resources.
var rlimitTypes = map[string]int{
	"RLIMIT_AS":         unix.RLIMIT_AS,
	"RLIMIT_CORE":       unix.RLIMIT_CORE,
	"RLIMIT_CPU":        unix.RLIMIT_CPU,
	"RLIMIT_DATA":       unix.RLIMIT_DATA,
	"RLIMIT_FSIZE":      unix.RLIMIT_FSIZE,
	"RLIMIT_LOCKS":      unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK":    unix.RLIMIT_MEMLOCK,
	"RLIMIT_MSGQUEUE":   unix.RLIMIT_MSGQUEUE,
	"RLIMIT_NICE":       unix.RLIMIT_NICE,
	"RLIMIT_NOFILE":     unix.RLIMIT_NOFILE,
	"RLIMIT_NPROC":      unix.RLIMIT_NPROC,
	"RLIMIT_RSS":        unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO":     unix.RLIMIT_RTPRIO,
	"RLIMIT_RTTIME":     unix.RLIMIT_RTTIME,
	"RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK":      unix.RLIMIT_STACK,
}

// preparedProcess is a process whose credentials are set and which only
// has to load a late seccomp filter and execve.
type preparedProcess struct {
	path        string
	args, env   []string
	lateSeccomp *seccomp.Filter
}

// prepareProcess applies the process's attributes to the calling thread, in
// the order the kernel allows: rlimits, scheduling and I/O priority while
// privileged; seccomp before dropping capabilities unless no_new_privs
// lets it wait until just before execve; then groups, ids and capabilities.
func prepareProcess(p *specs.Process, filter *seccomp.Filter, listenerSock int) (*preparedProcess, error) {
	if err := setRlimits(p.Rlimits); err != nil {
		return nil, err
	}
	if err := setScheduling(p); err != nil {
		return nil, err
	}
	if err := applyLSM(p); err != nil {
		return nil, err
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return nil, fmt.Errorf("setting no_new_privs: %w", err)
		}
	}
	pp := &preparedProcess{args: p.Args, env: p.Env}
	// A filter with a listener is loaded here even with no_new_privs: the
	// listener must reach the agent (through the runtime, see
	// listenerRelay) before the process is started, which for a
	// container's init is before it reports ready.
	if filter != nil && (!p.NoNewPrivileges || filter.Notifies()) {
		fd, err := filter.Load()
		if err != nil {
			return nil, err
		}
		if fd >= 0 {
			if err := sendListener(listenerSock, fd); err != nil {
				return nil, err
			}
		}
	} else {
		pp.lateSeccomp = filter
	}
	if err := setCredentials(p); err != nil {
		return nil, err
	}
	if p.User.Umask != nil {
		unix.Umask(int(*p.User.Umask))
	} else {
		unix.Umask(0o022)
	}
	if err := unix.Chdir(p.Cwd); err != nil {
		return nil, fmt.Errorf("changing to process.cwd %q: %w", p.Cwd, err)
	}
	path, err := lookPath(p.Args[0], p.Env)
	if err != nil {
		return nil, err
	}
	pp.path = path
	return pp, nil
}

func setRlimits(limits []specs.POSIXRlimit) error {
	for _, rl := range limits {
		res, ok := rlimitTypes[rl.Type]
		if !ok {
			return fmt.Errorf("unknown rlimit %q: %w", rl.Type, errdefs.ErrInvalidArgument)
		}
		// syscall.Setrlimit, not unix's: for RLIMIT_NOFILE it also stops the
		// Go runtime from restoring its own saved limit at execve.
		err := syscall.Setrlimit(res, &syscall.Rlimit{Cur: rl.Soft, Max: rl.Hard})
		if errors.Is(err, unix.EPERM) {
			var cur unix.Rlimit
			unix.Getrlimit(res, &cur)
			return fmt.Errorf("setting %s to soft %d, hard %d: the hard limit is %d and raising it needs CAP_SYS_RESOURCE, which this process lacks: %w",
				rl.Type, rl.Soft, rl.Hard, cur.Max, errdefs.ErrUnavailable)
		}
		if err != nil {
			return fmt.Errorf("setting %s: %w", rl.Type, err)
		}
	}
	return nil
}

// setCredentials switches to the process's user and leaves it exactly the
// capabilities the spec grants (all of the runtime's when it lists none,
// as runc does). The order is the one package capabilities explains.
func setCredentials(p *specs.Process) error {
	caps, _, err := capabilities.New(p.Capabilities)
	if err != nil {
		return err
	}
	if err := caps.DropBounding(); err != nil {
		return err
	}
	if err := capabilities.SetKeepCaps(true); err != nil {
		return err
	}
	if err := setIDs(p.User); err != nil {
		return err
	}
	if err := capabilities.SetKeepCaps(false); err != nil {
		return err
	}
	return caps.Apply()
}

// setIDs sets groups, gid and uid on this thread only: the raw syscalls,
// because the process execs from this very thread.
func setIDs(u specs.User) error {
	groups := make([]int, len(u.AdditionalGids))
	for i, g := range u.AdditionalGids {
		groups[i] = int(g)
	}
	if err := setgroups(groups); err != nil {
		return err
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(u.GID), uintptr(u.GID), uintptr(u.GID)); e != 0 {
		return fmt.Errorf("setting gid %d: %w", u.GID, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(u.UID), uintptr(u.UID), uintptr(u.UID)); e != 0 {
		return fmt.Errorf("setting uid %d: %w", u.UID, e)
	}
	return nil
}

func setgroups(groups []int) error {
	var ptr uintptr
	g32 := make([]uint32, len(groups))
	for i, g := range groups {
		g32[i] = uint32(g)
	}
	if len(g32) > 0 {
		ptr = uintptr(unsafe.Pointer(&g32[0]))
	}
	_, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(g32)), ptr, 0)
	// A user namespace whose setgroups is "deny" refuses even an empty list.
	if e == unix.EPERM && len(groups) == 0 {
		if data, err := os.ReadFile("/proc/self/setgroups"); err == nil && strings.TrimSpace(string(data)) == "deny" {
			return nil
		}
	}
	if e != 0 {
		return fmt.Errorf("setting additional groups %v: %w", groups, e)
	}
	return nil
}

// sendListener hands the seccomp listener fd to the runtime over sock and
// closes both.
func sendListener(sock, fd int) error {
	defer unix.Close(fd)
	if sock <= 0 {
		return fmt.Errorf("seccomp: a listener but no socket to hand it to the runtime over")
	}
	defer unix.Close(sock)
	if err := unix.Sendmsg(sock, []byte(specs.SeccompFdName), unix.UnixRights(fd), nil, 0); err != nil {
		return fmt.Errorf("seccomp: handing the listener to the runtime: %w", err)
	}
	return nil
}

// lookPath finds the program like execvp would, with the container's PATH.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		fi, err := os.Stat(name)
		if err != nil {
			return "", fmt.Errorf("exec: %q: %w", name, err)
		}
		// execve(2) would fail with EACCES only after start, when the
		// error can no longer reach the caller: say so at create, as runc.
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("exec: %q: %w", name, os.ErrPermission)
		}
		return name, nil
	}
	for _, dir := range filepath.SplitList(pathOf(env)) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: %w", name, exec.ErrNotFound)
}

// exec closes every descriptor the program should not inherit, loads a
// late seccomp filter, and replaces this process with the program.
func (pp *preparedProcess) exec(preserveFDs int) error {
	if err := closeExtraFDs(3 + preserveFDs); err != nil {
		return err
	}
	if pp.lateSeccomp != nil {
		if _, err := pp.lateSeccomp.Load(); err != nil {
			return err
		}
	}
	err := syscall.Exec(pp.path, pp.args, pp.env)
	return fmt.Errorf("exec %q: %w", pp.path, err)
}

// closeExtraFDs marks every descriptor from first on close-on-exec: with
// close_range(2) where the kernel has it (5.11), which needs no /proc.
func closeExtraFDs(first int) error {
	if err := unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err == nil {
		return nil
	}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("listing open descriptors: %w", err)
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err == nil && fd >= first {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}
