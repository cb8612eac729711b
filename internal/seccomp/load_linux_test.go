package seccomp

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// A filter cannot be taken off again, so every case that loads one runs in
// a child: the test binary re-executed with childEnv naming the case, on a
// locked thread as in the init. A child checks what it observes and fails
// with a message; cases that end in a signal are checked by the parent.
const childEnv = "HULL_SECCOMP_TEST_CHILD"

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		runtime.LockOSThread()
		// A child killed by SIGSYS must not leave a core file behind.
		unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
		if err := children[name](); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var children = map[string]func() error{
	"errno":        childErrno,
	"args":         childArgs,
	"kill":         func() error { return childExecMkdir(specs.ActKill) },
	"trap":         func() error { return childExecMkdir(specs.ActTrap) },
	"killProcess":  childKillProcess,
	"default":      childDefaultProfile,
	"tsync":        func() error { return childThreads(true) },
	"noTsync":      func() error { return childThreads(false) },
	"notify":       childNotify,
	"noPrivilege":  childNoPrivilege,
	"cachedFilter": childCachedFilter,
}

func runChild(t *testing.T, name string) (string, error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+name, "HULL_SECCOMP_TEST_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestLoadInChild(t *testing.T) {
	for _, name := range []string{"errno", "args", "killProcess", "default", "tsync", "noTsync", "notify", "noPrivilege", "cachedFilter"} {
		t.Run(name, func(t *testing.T) {
			if name != "killProcess" {
				if out, err := runChild(t, name); err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
				return
			}
			out, err := runChild(t, name)
			assertSIGSYS(t, out, err)
		})
	}
}

func TestKillActionsEndWithSIGSYS(t *testing.T) {
	for _, name := range []string{"kill", "trap"} {
		t.Run(name, func(t *testing.T) {
			out, err := runChild(t, name)
			assertSIGSYS(t, out, err)
		})
	}
}

func assertSIGSYS(t *testing.T, out string, err error) {
	t.Helper()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child: %v, want killed by SIGSYS\n%s", err, out)
	}
	ws := exit.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != unix.SIGSYS {
		t.Fatalf("child ended with %v, want killed by SIGSYS\n%s", ws, out)
	}
}

func load(s *specs.LinuxSeccomp) error {
	fd, err := Load(s)
	if err == nil && fd >= 0 {
		return fmt.Errorf("unexpected listener %d", fd)
	}
	return err
}

func errnoRule(errno unix.Errno, names ...string) specs.LinuxSyscall {
	ret := uint(errno)
	return specs.LinuxSyscall{Names: names, Action: specs.ActErrno, ErrnoRet: &ret}
}

func expectErrno(what string, err error, want unix.Errno) error {
	if want == 0 && err != nil || want != 0 && !errors.Is(err, want) {
		return fmt.Errorf("%s: got %v, want %v", what, err, want)
	}
	return nil
}

func testPath(name string) string { return filepath.Join(os.Getenv("HULL_SECCOMP_TEST_DIR"), name) }

// childErrno: errnoRet is what the call returns; without one, EPERM.
func childErrno() error {
	err := load(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			errnoRule(unix.ETXTBSY, "mkdir", "mkdirat"),
			{Names: []string{"rmdir", "unlinkat"}, Action: specs.ActErrno},
		},
	})
	if err != nil {
		return err
	}
	if err := expectErrno("mkdir", unix.Mkdir(testPath("d"), 0o755), unix.ETXTBSY); err != nil {
		return err
	}
	if err := expectErrno("rmdir", unix.Rmdir(testPath("d")), unix.EPERM); err != nil {
		return err
	}
	return expectErrno("chdir", unix.Chdir("/"), 0)
}

// childArgs: conditions on different arguments must all hold; several on
// one argument each suffice; SCMP_CMP_MASKED_EQ masks with value.
func childArgs() error {
	err := load(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{
				Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: ptr(uint(unix.EAFNOSUPPORT)),
				Args: []specs.LinuxSeccompArg{
					{Index: 0, Value: unix.AF_INET6, Op: specs.OpEqualTo},
					{Index: 0, Value: unix.AF_NETLINK, Op: specs.OpEqualTo},
				},
			},
			{
				Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: ptr(uint(unix.EPROTOTYPE)),
				Args: []specs.LinuxSeccompArg{
					{Index: 0, Value: unix.AF_INET, Op: specs.OpEqualTo},
					{Index: 1, Value: 0xf, ValueTwo: unix.SOCK_DGRAM, Op: specs.OpMaskedEqual},
				},
			},
			{
				Names: []string{"personality"}, Action: specs.ActErrno, ErrnoRet: ptr(uint(unix.ENOTTY)),
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0xffffffff, Op: specs.OpEqualTo}},
			},
		},
	})
	if err != nil {
		return err
	}
	for _, c := range []struct {
		family, typ, proto int
		want               unix.Errno
	}{
		{unix.AF_INET6, unix.SOCK_STREAM, 0, unix.EAFNOSUPPORT},
		{unix.AF_NETLINK, unix.SOCK_DGRAM, 0, unix.EAFNOSUPPORT},
		{unix.AF_INET, unix.SOCK_DGRAM | unix.SOCK_CLOEXEC, 0, unix.EPROTOTYPE},
		{unix.AF_INET, unix.SOCK_STREAM, 0, 0},
		// SOCK_RAW (3) & 0xf is not SOCK_DGRAM (2); 3 & 2 would be.
		{unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP, 0},
		{unix.AF_UNIX, unix.SOCK_DGRAM, 0, 0},
	} {
		fd, err := unix.Socket(c.family, c.typ, c.proto)
		if err := expectErrno(fmt.Sprintf("socket(%d, %#x)", c.family, c.typ), err, c.want); err != nil {
			return err
		}
		if err == nil {
			unix.Close(fd)
		}
	}
	_, _, e := unix.RawSyscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0)
	if e != unix.ENOTTY {
		return fmt.Errorf("personality(0xffffffff): got %v, want ENOTTY", e)
	}
	_, _, e = unix.RawSyscall(unix.SYS_PERSONALITY, 0 /* PER_LINUX */, 0, 0)
	return expectErrno("personality(PER_LINUX)", errOrNil(e), 0)
}

func ptr[T any](v T) *T { return &v }

func errOrNil(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// childExecMkdir execs a single-threaded busybox, whose mkdir meets action.
func childExecMkdir(action specs.LinuxSeccompAction) error {
	err := load(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: action}},
	})
	if err != nil {
		return err
	}
	return unix.Exec("/bin/busybox", []string{"busybox", "mkdir", testPath("d")}, nil)
}

// childKillProcess: SCMP_ACT_KILL_PROCESS takes all of a Go program's
// threads with it.
func childKillProcess() error {
	err := load(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActKillProcess}},
	})
	if err != nil {
		return err
	}
	unix.Mkdir(testPath("d"), 0o755)
	return errors.New("still alive after mkdir")
}

// childDefaultProfile: Docker's profile refuses mount and hides clone3, and
// lets a shell run.
func childDefaultProfile() error {
	if err := load(DefaultProfile()); err != nil {
		return err
	}
	if err := expectErrno("umount2", unix.Unmount("/nonexistent", 0), unix.EPERM); err != nil {
		return err
	}
	_, _, e := unix.RawSyscall(unix.SYS_CLONE3, 0, 0, 0)
	if e != unix.ENOSYS {
		return fmt.Errorf("clone3: got %v, want ENOSYS", e)
	}
	return unix.Exec("/bin/busybox", []string{"busybox", "sh", "-c", "true"}, nil)
}

// childThreads: the filter reaches the other threads only with TSYNC.
func childThreads(tsync bool) error {
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls:      []specs.LinuxSyscall{errnoRule(unix.ETXTBSY, "mkdir", "mkdirat")},
	}
	if tsync {
		s.Flags = []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"}
	}
	if err := load(s); err != nil {
		return err
	}
	tasks, _ := filepath.Glob("/proc/self/task/*/status")
	self := fmt.Sprintf("/proc/self/task/%d/status", unix.Gettid())
	filtered := 0
	for _, path := range tasks {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		on := strings.Contains(string(b), "\nSeccomp:\t2\n")
		if path == self && !on {
			return errors.New("the calling thread has no filter")
		}
		if on {
			filtered++
		}
	}
	if len(tasks) < 2 {
		return errors.New("only one thread: nothing to compare")
	}
	if tsync && filtered != len(tasks) || !tsync && filtered != 1 {
		return fmt.Errorf("TSYNC %v: %d of %d threads filtered", tsync, filtered, len(tasks))
	}
	return nil
}

// childNotify: an agent on another thread answers the notifications.
func childNotify() error {
	fd, err := Load(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		ListenerPath:  "/run/agent.sock",
		Flags:         []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv},
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
	})
	if err != nil {
		return err
	}
	if fd < 0 {
		return errors.New("no listener returned")
	}
	agent := make(chan error, 1)
	go func() {
		req, err := libseccomp.NotifReceive(libseccomp.ScmpFd(fd))
		if err == nil {
			err = libseccomp.NotifRespond(libseccomp.ScmpFd(fd), &libseccomp.ScmpNotifResp{ID: req.ID, Error: int32(unix.EXDEV)})
		}
		agent <- err
	}()
	if err := expectErrno("mkdir", unix.Mkdir(testPath("d"), 0o755), unix.EXDEV); err != nil {
		return err
	}
	return <-agent
}

// childNoPrivilege: without CAP_SYS_ADMIN a filter needs no_new_privs.
func childNoPrivilege() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return err
	}
	data[0].Effective &^= 1 << unix.CAP_SYS_ADMIN
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return err
	}
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{errnoRule(unix.EPERM, "mkdir")}}
	err := load(s)
	if !errors.Is(err, errdefs.ErrUnavailable) || !strings.Contains(err.Error(), "no_new_privs or CAP_SYS_ADMIN") {
		return fmt.Errorf("Load without privilege = %v, want ErrUnavailable", err)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	return load(s)
}

// childCachedFilter: a filter that went through the cache and an encoding
// behaves as compiled.
func childCachedFilter() error {
	c := Cache{Dir: testPath("cache")}
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{errnoRule(unix.ETXTBSY, "mkdir", "mkdirat")}}
	if _, err := c.Compile(s); err != nil {
		return err
	}
	f, err := c.Compile(s) // from the cache this time
	if err != nil {
		return err
	}
	if entries, _ := os.ReadDir(c.Dir); len(entries) != 1 {
		return fmt.Errorf("cache holds %d entries, want 1", len(entries))
	}
	if _, err := f.Load(); err != nil {
		return err
	}
	return expectErrno("mkdir", unix.Mkdir(testPath("d"), 0o755), unix.ETXTBSY)
}
