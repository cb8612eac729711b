package runtime

import (
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/netif"
	"github.com/hullrt/hull/internal/rootfs"
	"github.com/hullrt/hull/internal/seccomp"
)

const (
	initContainer = "container"
	initExec      = "exec"
)

// initConfig is everything a spawned process needs beyond its namespaces,
// sent by the parent once the preamble is done.
type initConfig struct {
	Kind         string         `json:"kind"`
	ID           string         `json:"id"`
	Bundle       string         `json:"bundle"`
	Rootfs       string         `json:"rootfs"`
	Pid          int            `json:"pid"` // host pid, for hooks' state
	Spec         *specs.Spec    `json:"spec"`
	Process      *specs.Process `json:"process"`
	NoPivot      bool           `json:"noPivot,omitempty"`
	NoNewKeyring bool           `json:"noNewKeyring,omitempty"`
	UserNS       bool           `json:"userNS,omitempty"`
	CgroupNS     bool           `json:"cgroupNS,omitempty"`
	PreserveFDs  int            `json:"preserveFDs,omitempty"`
	FifoFD       int            `json:"fifoFD,omitempty"`
	ConsoleFD    int            `json:"consoleFD,omitempty"`
	// ListenerFD is the socket a seccomp listener goes back to the
	// runtime over (see listenerRelay).
	ListenerFD int `json:"listenerFD,omitempty"`
	// Seccomp is the compiled filter (seccomp.Filter.MarshalBinary): the
	// parent compiles it, through the cache, so init never runs libseccomp.
	Seccomp []byte `json:"seccomp,omitempty"`
	// filter is Seccomp decoded: set by the parent, which has it already,
	// or decoded once by seccompFilter.
	filter *seccomp.Filter
}

// setSeccomp gives cfg the parent's compiled filter, if any.
func (cfg *initConfig) setSeccomp(f *seccomp.Filter) error {
	if f == nil {
		return nil
	}
	b, err := f.MarshalBinary()
	cfg.Seccomp, cfg.filter = b, f
	return err
}

// seccompFilter returns the filter the parent compiled, if any.
func (cfg *initConfig) seccompFilter() (*seccomp.Filter, error) {
	if cfg.filter != nil || cfg.Seccomp == nil {
		return cfg.filter, nil
	}
	var f seccomp.Filter
	if err := f.UnmarshalBinary(cfg.Seccomp); err != nil {
		return nil, err
	}
	cfg.filter = &f
	return &f, nil
}

// Init is the entry point of a process the runtime spawned, called by the
// program's main when it sees the init argument. It never returns on
// success: the process becomes the container's program. On failure it
// tells the parent why and exits.
func Init() {
	// Credentials, capabilities and seccomp are per thread until execve:
	// everything must happen on the thread that calls it.
	goruntime.LockOSThread()
	fd, err := strconv.Atoi(os.Getenv("_HULL_BOOTSTRAP"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "hull init: not started by the runtime")
		os.Exit(1)
	}
	os.Unsetenv("_HULL_BOOTSTRAP")
	os.Unsetenv("GOMAXPROCS") // hooks without an env of their own inherit ours
	unix.CloseOnExec(fd)
	conn := newSyncConn(os.NewFile(uintptr(fd), "sync"))
	if err := runInit(conn); err != nil {
		conn.send(message{Type: msgError, Message: err.Error()})
		os.Exit(1)
	}
}

func runInit(conn *syncConn) error {
	m, err := conn.expect(msgConfig)
	if err != nil {
		return err
	}
	cfg := m.Config
	for _, fd := range []int{cfg.FifoFD, cfg.ConsoleFD, cfg.ListenerFD} {
		if fd > 0 {
			unix.CloseOnExec(fd)
		}
	}
	if cfg.Kind == initExec {
		return cfg.execProcess(conn)
	}
	return cfg.initContainer(conn)
}

// initContainer builds the container around init and waits for Start.
func (cfg *initConfig) initContainer(conn *syncConn) error {
	spec := cfg.Spec
	if cfg.Process.Terminal {
		if _, err := unix.Setsid(); err != nil {
			return fmt.Errorf("setsid: %w", err)
		}
	}
	if spec.Annotations[netif.LoopbackAnnotation] == "up" && hasNamespace(spec, specs.NetworkNamespace) {
		if err := netif.Up("lo"); err != nil {
			return err
		}
	}
	if cfg.CgroupNS {
		// The parent has put init in its cgroup before sending the config.
		if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
			return fmt.Errorf("creating cgroup namespace: %w", err)
		}
	}
	if !cfg.NoNewKeyring {
		joinSessionKeyring(cfg.ID)
	}
	// The exec fifo is reopened for writing through /proc/self/fd, which
	// the new root may not have: hold on to the host's while it is here.
	procFD, err := unix.Open("/proc/self/fd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening /proc/self/fd: %w", err)
	}
	defer unix.Close(procFD)
	if err := cfg.buildFilesystem(conn); err != nil {
		return err
	}
	filter, err := cfg.seccompFilter()
	if err != nil {
		return err
	}
	proc, err := prepareProcess(cfg.Process, filter, cfg.ListenerFD)
	if err != nil {
		return err
	}
	if err := conn.send(message{Type: msgReady}); err != nil {
		return err
	}
	// Until the parent has saved the state, nothing could find and delete
	// this container: if the parent dies first, init goes too, instead of
	// waiting on the fifo for ever.
	if _, err := conn.expect(msgCommitted); err != nil {
		return err
	}
	if err := waitForStart(procFD, cfg.FifoFD); err != nil {
		return err
	}
	if spec.Hooks != nil {
		st := &OCIState{OCIVersion: specs.Version, ID: cfg.ID, Status: Running, Pid: cfg.Pid,
			Bundle: cfg.Bundle, Annotations: spec.Annotations}
		if err := runHooks("startContainer", spec.Hooks.StartContainer, st); err != nil {
			return err
		}
	}
	return proc.exec(cfg.PreserveFDs)
}

// buildFilesystem gives the container its root: mounts, /dev, the
// console, hostname and sysctls, masked and read-only paths, pivot_root.
func (cfg *initConfig) buildFilesystem(conn *syncConn) error {
	spec := cfg.Spec
	if !hasNamespace(spec, specs.MountNamespace) {
		return cfg.chrootOnly(conn)
	}
	rc := &rootfs.Config{
		Spec:     spec,
		Rootfs:   cfg.Rootfs,
		NoPivot:  cfg.NoPivot,
		UserNS:   cfg.UserNS,
		CgroupNS: cfg.CgroupNS,
	}
	if err := rootfs.Prepare(rc); err != nil {
		return err
	}
	if err := cfg.runCreateHooks(conn); err != nil {
		return err
	}
	if err := rootfs.Pivot(rc); err != nil {
		return err
	}
	if cfg.Process.Terminal {
		if err := setupConsole(cfg.ConsoleFD, true); err != nil {
			return err
		}
	}
	// Hostname and sysctls go in before Finalize makes /proc/sys read-only.
	if err := setHostIdentity(spec); err != nil {
		return err
	}
	return rootfs.Finalize(rc)
}

// chrootOnly serves a config without a mount namespace: the container
// shares the host's mount table, so every mount of the config would land
// on the host. Like crun, hull then mounts nothing and only changes root.
func (cfg *initConfig) chrootOnly(conn *syncConn) error {
	if err := cfg.runCreateHooks(conn); err != nil {
		return err
	}
	// Sysctls are written through the host's /proc, which the rootfs may
	// not have.
	if err := setHostIdentity(cfg.Spec); err != nil {
		return err
	}
	if err := unix.Chroot(cfg.Rootfs); err != nil {
		return fmt.Errorf("chroot %s: %w", cfg.Rootfs, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	if cfg.Process.Terminal {
		if err := setupConsole(cfg.ConsoleFD, false); err != nil {
			return err
		}
	}
	return nil
}

func hasNamespace(spec *specs.Spec, t specs.LinuxNamespaceType) bool {
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == t {
			return true
		}
	}
	return false
}

// runCreateHooks asks the parent to run the prestart and createRuntime
// hooks, then runs createContainer hooks here, in the container's
// namespaces but before pivot_root, as the spec orders.
func (cfg *initConfig) runCreateHooks(conn *syncConn) error {
	h := cfg.Spec.Hooks
	if h == nil {
		return nil
	}
	if len(h.Prestart) > 0 || len(h.CreateRuntime) > 0 {
		if err := conn.send(message{Type: msgHooks}); err != nil {
			return err
		}
		if _, err := conn.expect(msgHooksDone); err != nil {
			return err
		}
	}
	st := &OCIState{OCIVersion: specs.Version, ID: cfg.ID, Status: Creating, Pid: cfg.Pid,
		Bundle: cfg.Bundle, Annotations: cfg.Spec.Annotations}
	return runHooks("createContainer", h.CreateContainer, st)
}

// waitForStart blocks until Start opens the exec fifo, then tells it that
// the program is about to run.
func waitForStart(procFD, fifoFD int) error {
	// Opening for writing blocks until a reader opens the other end.
	fd, err := unix.Openat(procFD, strconv.Itoa(fifoFD), unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening exec fifo: %w", err)
	}
	// fd stays open: execve closes it, which tells Start the program runs.
	if _, err := unix.Write(fd, []byte{'0'}); err != nil {
		return fmt.Errorf("writing exec fifo: %w", err)
	}
	unix.Close(fifoFD)
	return nil
}

// execProcess sets up an exec'd process, already in the container's
// namespaces, and runs it.
func (cfg *initConfig) execProcess(conn *syncConn) error {
	if !hasNamespace(cfg.Spec, specs.MountNamespace) {
		// Without a mount namespace of its own, the container's root is
		// init's chroot, not the namespace's.
		root := fmt.Sprintf("/proc/%d/root", cfg.Pid)
		if err := unix.Chroot(root); err != nil {
			return fmt.Errorf("chroot %s: %w", root, err)
		}
	}
	if cfg.Process.Terminal {
		if _, err := unix.Setsid(); err != nil {
			return fmt.Errorf("setsid: %w", err)
		}
		if err := setupConsole(cfg.ConsoleFD, false); err != nil {
			return err
		}
	}
	filter, err := cfg.seccompFilter()
	if err != nil {
		return err
	}
	proc, err := prepareProcess(cfg.Process, filter, cfg.ListenerFD)
	if err != nil {
		return err
	}
	return proc.exec(cfg.PreserveFDs)
}

func setHostIdentity(spec *specs.Spec) error {
	if err := rootfs.SetHostname(spec.Hostname, spec.Domainname); err != nil {
		return err
	}
	return rootfs.WriteSysctls(spec.Linux.Sysctl)
}

// joinSessionKeyring gives the container a session keyring of its own, so
// it cannot read the host's keys. Kernels without keyrings are fine.
func joinSessionKeyring(id string) {
	unix.KeyctlJoinSessionKeyring("_ses." + id)
}
