package runtime

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/proc"
)

// nsFlags maps the spec's namespace types to clone flags, in the order the
// preamble should enter them (it enters user first regardless).
var nsFlags = map[specs.LinuxNamespaceType]uintptr{
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
	specs.TimeNamespace:    unix.CLONE_NEWTIME,
}

// nsProcName is each namespace's file name under /proc/PID/ns.
var nsProcName = map[specs.LinuxNamespaceType]string{
	specs.UserNamespace:    "user",
	specs.MountNamespace:   "mnt",
	specs.PIDNamespace:     "pid",
	specs.NetworkNamespace: "net",
	specs.IPCNamespace:     "ipc",
	specs.UTSNamespace:     "uts",
	specs.CgroupNamespace:  "cgroup",
	specs.TimeNamespace:    "time",
}

// bootstrap is what the nsexec preamble needs to place a process.
type bootstrap struct {
	cloneFlags  uintptr
	joins       []nsJoin
	timeOffsets map[string]specs.LinuxTimeOffset
	oomScoreAdj *int
	// uidMaps and gidMaps are written by the parent when cloneFlags holds
	// CLONE_NEWUSER.
	uidMaps, gidMaps []specs.LinuxIDMapping
	// cgroup is how the process enters its cgroup by itself (spawn fills
	// it in from spawnRequest.cgroup).
	cgroup cgroups.Entry
	// plan, when set, is run by the C init instead of starting Go's
	// runtime in the container (see planInit).
	plan []byte
}

type nsJoin struct {
	flag uintptr
	path string
}

// encode renders the preamble's message: a length, then lines.
func (b *bootstrap) encode() []byte {
	var body bytes.Buffer
	for _, j := range b.joins {
		fmt.Fprintf(&body, "join %d %s\n", j.flag, j.path)
	}
	fmt.Fprintf(&body, "clone %d\n", b.cloneFlags)
	for clock, off := range b.timeOffsets {
		fmt.Fprintf(&body, "timens %s %d %d\n", clock, off.Secs, off.Nanosecs)
	}
	if b.oomScoreAdj != nil {
		fmt.Fprintf(&body, "oom %d\n", *b.oomScoreAdj)
	}
	for _, tasks := range b.cgroup.Tasks {
		fmt.Fprintf(&body, "cgroup %s\n", tasks)
	}
	if b.cgroup.Dir != "" {
		fmt.Fprintf(&body, "cgroup2 %s\n", b.cgroup.Dir)
	}
	if len(b.plan) > 0 {
		fmt.Fprintf(&body, "cinit %d\n", len(b.plan))
	}
	out := binary.NativeEndian.AppendUint32(nil, uint32(body.Len()))
	out = append(out, body.Bytes()...)
	return append(out, b.plan...)
}

// spawnRequest describes a process to start in a container's namespaces.
type spawnRequest struct {
	boot  bootstrap
	dir   string
	stdio [3]*os.File
	extra []*os.File // placed at fds 3, 4, ... in the new process
	// cgroup receives the final process before it gets its configuration.
	cgroup cgroups.Manager
	// prepare, when set, runs while the new process forks and execs, on
	// a goroutine of its own, before the preamble gets its request: it
	// makes the cgroup the preamble enters.
	prepare func() error
}

// spawned is a process on its way into a container: the final pid, and the
// socket to finish its setup over.
type spawned struct {
	pid  int
	conn *syncConn
	// relay, when the process has a seccomp listener, hands it to the
	// agent; the caller waits for it before the process may run.
	relay *listenerRelay
}

// spawn starts Self through the nsexec preamble and returns once the
// preamble reported the final process's pid. The sync socket lands at fd
// 3+len(extra) in the new process.
func (r *Runtime) spawn(req *spawnRequest) (_ *spawned, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("creating sync socket: %w", err)
	}
	parent := os.NewFile(uintptr(fds[0]), "sync-parent")
	child := os.NewFile(uintptr(fds[1]), "sync-child")
	defer child.Close()
	conn := newSyncConn(parent)
	defer func() {
		if err != nil {
			conn.close()
		}
	}()

	syncFD := 3 + len(req.extra)
	files := append(append(req.stdio[:], req.extra...), child)
	// One P is all the process needs: it runs on one locked thread, and
	// Go starts fewer threads then. Init removes the variable again.
	env := []string{"_HULL_BOOTSTRAP=" + strconv.Itoa(syncFD), "GOMAXPROCS=1"}
	// The cgroup is made while the new process forks and execs.
	prepared := make(chan error, 1)
	if req.prepare != nil {
		go func() { prepared <- req.prepare() }()
	} else {
		prepared <- nil
	}
	intermediate, err := r.startSelf(req.dir, env, files)
	// Only the child may hold its end from now on: if it dies before
	// talking (a Self without the preamble, a crash), reading the socket
	// then ends with EOF instead of waiting for ever.
	child.Close()
	if err != nil {
		<-prepared // the caller's undo must not race with it
		return nil, fmt.Errorf("starting %s: %w", r.Self, err)
	}
	// From here on the intermediate must not outlive a failure.
	reaped := false
	defer func() {
		if err != nil && !reaped {
			killAndReap(intermediate)
		}
	}()
	if err := <-prepared; err != nil {
		return nil, err
	}
	boot := req.boot
	if req.cgroup != nil {
		boot.cgroup = selfEntry(req.cgroup.Entry(), &boot)
	}
	if _, err := parent.Write(boot.encode()); err != nil {
		return nil, fmt.Errorf("sending bootstrap: %w", err)
	}
	pid, bornInV2, err := r.followPreamble(intermediate, &boot, conn)
	if ws, werr := proc.Wait(intermediate); err == nil && (werr != nil || ws != 0) {
		err = fmt.Errorf("namespace setup failed: %v", exitDescription(ws, werr))
	}
	reaped = true
	// What the preamble could not enter, the parent moves the process into,
	// while it starts Go's runtime, which hides part of the cost (see
	// cgroups.Entry). It forks nothing and reads its configuration only
	// after this, so everything it starts is in the cgroup.
	if err == nil && req.cgroup != nil {
		switch {
		case len(boot.cgroup.Tasks) == 0:
			err = req.cgroup.Apply(pid)
		case !bornInV2:
			err = req.cgroup.ApplyUnified(pid)
		}
	}
	if err == nil && len(boot.plan) > 0 {
		// The C init waits for this: the preamble's pid message comes
		// first on the socket, and the process is in its cgroups before it
		// creates a cgroup namespace.
		if _, werr := parent.Write([]byte{'1'}); werr != nil {
			err = fmt.Errorf("starting the container's init: %w", werr)
		}
	}
	if err != nil {
		if pid > 0 {
			killAndReap(pid)
		}
		return nil, err
	}
	return &spawned{pid: pid, conn: conn}, nil
}

// selfEntry returns the part of e that the preamble can enter by itself.
// The preamble writes the v1 tasks files before it joins or creates any
// namespace, as the host's root. It is born in the v2 directory through
// clone3, which checks the permissions of the process that calls it: in a
// user namespace, no longer the host's root, so the parent moves it there.
// Paths the preamble's line protocol cannot carry are left to the parent.
func selfEntry(e cgroups.Entry, b *bootstrap) cgroups.Entry {
	for _, p := range append([]string{e.Dir}, e.Tasks...) {
		if strings.ContainsAny(p, "\n\x00") {
			return cgroups.Entry{}
		}
	}
	userNS := b.cloneFlags&unix.CLONE_NEWUSER != 0
	for _, j := range b.joins {
		userNS = userNS || j.flag == unix.CLONE_NEWUSER
	}
	if userNS {
		e.Dir = ""
	}
	return e
}

// startSelf starts Self as a spawn's intermediate process, with files at
// fds 0, 1, 2, ... (nil ones become /dev/null), and returns its pid. It
// calls syscall.ForkExec rather than os/exec, which first checks, once per
// process, that pidfds work by forking a throwaway child: 0.5 to 0.8 ms,
// and a runtime command starts only one process, so it pays all of it.
func (r *Runtime) startSelf(dir string, env []string, files []*os.File) (int, error) {
	fds := make([]uintptr, len(files))
	for i, f := range files {
		if f == nil {
			null, err := os.OpenFile(os.DevNull, os.O_RDWR|unix.O_CLOEXEC, 0)
			if err != nil {
				return 0, err
			}
			defer null.Close()
			f = null
		}
		fds[i] = f.Fd()
	}
	pid, err := syscall.ForkExec(r.Self, []string{r.Self, r.InitArg}, &syscall.ProcAttr{Dir: dir, Env: env, Files: fds})
	goruntime.KeepAlive(files)
	return pid, err
}

// exitDescription says how a process ended, as os/exec's ExitError does.
func exitDescription(ws unix.WaitStatus, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case ws.Signaled():
		return "signal: " + ws.Signal().String()
	}
	return "exit status " + strconv.Itoa(ws.ExitStatus())
}

// followPreamble answers the preamble's requests until it names the pid of
// the final process, and tells whether that was born in the v2 cgroup.
func (r *Runtime) followPreamble(intermediate int, b *bootstrap, conn *syncConn) (int, bool, error) {
	for {
		m, err := conn.recv()
		if err == errPeerGone {
			return 0, false, fmt.Errorf("namespace setup: the process exited before reporting")
		}
		if err != nil {
			return 0, false, fmt.Errorf("namespace setup: %w", err)
		}
		switch m.Type {
		case msgUserNS:
			if err := writeIDMaps(intermediate, b); err != nil {
				return 0, false, err
			}
			if _, err := conn.f.Write([]byte{'1'}); err != nil {
				return 0, false, err
			}
		case msgPid:
			return m.Pid, m.Cgroup2, nil
		default:
			return 0, false, fmt.Errorf("namespace setup: unexpected message %q", m.Type)
		}
	}
}

func writeIDMaps(pid int, b *bootstrap) error {
	proc := "/proc/" + strconv.Itoa(pid)
	if err := os.WriteFile(proc+"/uid_map", formatIDMaps(b.uidMaps), 0); err != nil {
		return fmt.Errorf("writing uid_map: %w", err)
	}
	if err := os.WriteFile(proc+"/gid_map", formatIDMaps(b.gidMaps), 0); err != nil {
		return fmt.Errorf("writing gid_map: %w", err)
	}
	return nil
}

func formatIDMaps(maps []specs.LinuxIDMapping) []byte {
	var sb strings.Builder
	for _, m := range maps {
		fmt.Fprintf(&sb, "%d %d %d\n", m.ContainerID, m.HostID, m.Size)
	}
	return []byte(sb.String())
}
