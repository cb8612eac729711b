package oci_test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// seccompNotif and seccompNotifResp are the kernel's struct seccomp_notif
// and struct seccomp_notif_resp (linux/seccomp.h).
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// agent is a seccomp agent on a unix socket: for every listener hull-oci
// hands it, it records the container process state and answers each
// notification with success (0) without running the call.
type agent struct {
	path   string
	states chan specs.ContainerProcessState
}

func startAgent(t *testing.T) *agent {
	t.Helper()
	a := &agent{path: filepath.Join(t.TempDir(), "agent.sock"), states: make(chan specs.ContainerProcessState, 4)}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: a.path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.AcceptUnix()
			if err != nil {
				return
			}
			go a.serve(c)
		}
	}()
	return a
}

func (a *agent) serve(c *net.UnixConn) {
	defer c.Close()
	buf := make([]byte, 64<<10)
	n, fd, err := recvFD(c, buf)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	var st specs.ContainerProcessState
	json.Unmarshal(buf[:n], &st)
	a.states <- st
	for {
		var req seccompNotif
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&req))); e != 0 {
			if e == unix.EINTR {
				continue
			}
			return // the listener's processes are gone
		}
		resp := seccompNotifResp{ID: req.ID}
		unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp)))
	}
}

// With SCMP_ACT_NOTIFY, hull-oci hands the listener to the agent at
// listenerPath with the container process state, for the container's init
// and for an exec'd process alike; the agent's answers are what the calls
// return (here: mkdir succeeds and makes nothing).
func TestSeccompNotifyAgent(t *testing.T) {
	a := startAgent(t)
	e := newEnv(t, "sleep", "100")
	e.spec.Annotations = map[string]string{"test": "agent"}
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction:    specs.ActAllow,
		Architectures:    []specs.Arch{specs.ArchX86_64},
		ListenerPath:     a.path,
		ListenerMetadata: "meta",
		Syscalls:         []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
	}
	initPid := startSleeper(t, e, "sn")
	st := <-a.states
	if st.Pid != initPid || st.State.ID != "sn" || st.State.Status != specs.StateCreating ||
		st.Metadata != "meta" || len(st.Fds) != 1 || st.Fds[0] != specs.SeccompFdName || st.State.Annotations["test"] != "agent" {
		t.Errorf("state sent with the init's listener: %+v (init pid %d)", st, initPid)
	}
	out := e.mustRun("exec", "sn", "sh", "-c", "mkdir /tmp/x && echo made; ls -d /tmp/x 2>&1; true")
	if !strings.Contains(out, "made") || !strings.Contains(out, "No such file") {
		t.Errorf("exec'd mkdir under the agent: %q", out)
	}
	st = <-a.states
	if st.State.ID != "sn" || st.State.Status != specs.StateRunning || st.State.Pid != initPid || st.Pid == initPid {
		t.Errorf("state sent with the exec'd process's listener: %+v", st)
	}
}

// Without an agent listening, the create fails with one line, and leaves
// nothing.
func TestSeccompNotifyWithoutAgent(t *testing.T) {
	e := newEnv(t, "true")
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64},
		ListenerPath:  filepath.Join(t.TempDir(), "nobody.sock"),
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}},
	}
	e.writeSpec()
	_, errOut, code := e.run("run", "--bundle", e.bundle, "nobody")
	if code == 0 || !strings.Contains(errOut, "agent at listenerPath") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	entries, _ := os.ReadDir(e.root)
	for _, d := range entries {
		if !strings.HasPrefix(d.Name(), "#") { // the filter cache stays
			t.Errorf("state entry left: %s", d.Name())
		}
	}
}
