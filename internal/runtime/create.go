package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/proc"
)

// CreateOpts are the choices a caller makes when creating a container.
type CreateOpts struct {
	// Bundle is the bundle directory; config.json is read from it.
	Bundle string
	// Spec, when set, is used instead of reading Bundle/config.json.
	Spec *specs.Spec
	// Stdio for init; nil entries become /dev/null.
	Stdin, Stdout, Stderr *os.File
	// ConsoleSocket is a connected unix socket that receives the pty
	// master when the process asks for a terminal.
	ConsoleSocket *os.File
	// PreserveFDs are passed to the container's process as fds 3, 4, ...
	PreserveFDs []*os.File
	// NoPivot uses MS_MOVE and chroot instead of pivot_root (ramfs roots).
	NoPivot bool
	// NoNewKeyring keeps the caller's session keyring.
	NoNewKeyring bool
}

// Create makes a container from a bundle and leaves its init blocked until
// Start. On failure nothing is left behind: no state directory, cgroup,
// mount or process.
func (r *Runtime) Create(id string, opts CreateOpts) (c *Container, err error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	bundle, spec, err := loadBundle(opts)
	if err != nil {
		return nil, err
	}
	rootfs := spec.Root.Path
	if !filepath.IsAbs(rootfs) {
		rootfs = filepath.Join(bundle, rootfs)
	}
	if err := validateSpec(spec, rootfs, opts, r.warn); err != nil {
		return nil, err
	}
	dir, err := r.makeDir(id)
	if err != nil {
		return nil, err
	}
	// Held until the state is saved: RemoveInterrupted tells a create in
	// progress from one a kill interrupted by it.
	lockFD, err := lockDir(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("locking container %q: %w", id, err)
	}
	defer unix.Close(lockFD)
	var undo []func()
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
			os.RemoveAll(dir)
		}
	}()

	cg, err := cgroups.New(spec.Linux.CgroupsPath, id)
	if err != nil {
		return nil, err
	}
	undo = append(undo, func() { cg.Destroy() })
	c = &Container{rt: r, dir: dir, state: &State{
		ID:          id,
		Bundle:      bundle,
		Rootfs:      rootfs,
		Created:     time.Now().UTC(),
		Owner:       "",
		CgroupPaths: cg.Paths(),
		Config:      spec,
	}}
	p, err := c.startInit(cg, opts, &undo)
	if err != nil {
		return nil, err
	}
	defer p.conn.close()
	c.state.Pid = p.pid
	if _, c.state.PidStart, _ = proc.Stat(p.pid); c.state.PidStart == 0 {
		return nil, fmt.Errorf("container init exited during create")
	}
	c.state.Namespaces = namespacePaths(spec, p.pid)
	// The state is written while init builds the container, and put in
	// place once init is ready.
	staged, err := c.state.stage(dir)
	if err != nil {
		return nil, err
	}
	defer staged.discard()
	if err := c.finishInit(p, opts); err != nil {
		return nil, err
	}
	if err := staged.commit(); err != nil {
		return nil, err
	}
	c.stamp = currentStamp(dir)
	if err := p.conn.send(message{Type: msgCommitted}); err != nil {
		os.Remove(filepath.Join(dir, stateFile))
		return nil, fmt.Errorf("container init exited during create: %w", err)
	}
	return c, nil
}

// makeDir creates the container's state directory; its existence is what
// makes an id taken, so two creates of one id cannot both succeed.
func (r *Runtime) makeDir(id string) (string, error) {
	if err := os.MkdirAll(r.Root, 0o711); err != nil {
		return "", fmt.Errorf("creating state root: %w", err)
	}
	dir := r.dir(id)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("container %q: %w", id, errdefs.ErrAlreadyExists)
		}
		return "", fmt.Errorf("creating state directory: %w", err)
	}
	return dir, nil
}

// startInit spawns init into new namespaces and sends it its configuration.
func (c *Container) startInit(cg cgroups.Manager, opts CreateOpts, undo *[]func()) (*spawned, error) {
	spec := c.state.Config
	fifo, err := c.makeFifo()
	if err != nil {
		return nil, err
	}
	defer fifo.Close()

	extra := append([]*os.File{}, opts.PreserveFDs...)
	cfg := &initConfig{
		Kind:         initContainer,
		ID:           c.state.ID,
		Bundle:       c.state.Bundle,
		Rootfs:       c.state.Rootfs,
		Spec:         spec,
		Process:      spec.Process,
		NoPivot:      opts.NoPivot,
		NoNewKeyring: opts.NoNewKeyring,
		PreserveFDs:  len(opts.PreserveFDs),
	}
	cfg.FifoFD = 3 + len(extra)
	extra = append(extra, fifo)
	if opts.ConsoleSocket != nil {
		cfg.ConsoleFD = 3 + len(extra)
		extra = append(extra, opts.ConsoleSocket)
	}
	req := &spawnRequest{
		boot:   newBootstrap(spec),
		dir:    c.state.Bundle,
		stdio:  [3]*os.File{opts.Stdin, opts.Stdout, opts.Stderr},
		extra:  extra,
		cgroup: cg,
		prepare: func() error {
			// Written before any cgroup exists, so that whatever a kill
			// interrupts, RemoveInterrupted knows what to remove.
			if err := writeCreating(c.dir, cg.Paths()); err != nil {
				return err
			}
			return cg.Create(cgroupResources(spec.Linux))
		},
	}
	for _, ns := range spec.Linux.Namespaces {
		switch {
		case ns.Type == specs.UserNamespace && ns.Path == "":
			cfg.UserNS = true
		case ns.Type == specs.CgroupNamespace && ns.Path == "":
			cfg.CgroupNS = true
		}
	}
	p, err := c.rt.launch(cfg, req, cg.Dirs(), func(pid int) specs.State {
		return specs.State{Version: specs.Version, ID: c.state.ID, Status: specs.StateCreating,
			Pid: pid, Bundle: c.state.Bundle, Annotations: spec.Annotations}
	})
	if err != nil {
		return nil, err
	}
	*undo = append(*undo, p.close)
	return p, nil
}

// makeFifo makes the exec fifo and returns an O_PATH handle on it for init.
func (c *Container) makeFifo() (*os.File, error) {
	if err := unix.Mkfifo(c.fifoPath(), 0o622); err != nil {
		return nil, fmt.Errorf("creating exec fifo: %w", err)
	}
	// Init reopens the fifo for writing as the container's root, which in
	// a user namespace is an unprivileged host uid: give it the fifo, with
	// the mode the umask took away.
	uid, gid := hostRoot(c.state.Config.Linux)
	if err := os.Chown(c.fifoPath(), uid, gid); err != nil {
		return nil, fmt.Errorf("exec fifo: %w", err)
	}
	if err := os.Chmod(c.fifoPath(), 0o622); err != nil {
		return nil, fmt.Errorf("exec fifo: %w", err)
	}
	fifo, err := os.OpenFile(c.fifoPath(), unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening exec fifo: %w", err)
	}
	return fifo, nil
}

// finishInit waits for init to be ready, running the hooks it asks for.
func (c *Container) finishInit(p *spawned, opts CreateOpts) error {
	for {
		m, err := p.conn.recv()
		if err == errPeerGone {
			return fmt.Errorf("container init exited during setup")
		}
		if err != nil {
			return err
		}
		switch m.Type {
		case msgHooks:
			// prestart hooks see "created", as runtime-tools checks and
			// crun does; createRuntime hooks see "creating", as the spec says.
			st := c.OCIState()
			st.Status, st.Pid = Created, p.pid
			h := c.state.Config.Hooks
			err := runHooks("prestart", h.Prestart, st)
			if err == nil {
				st.Status = Creating
				err = runHooks("createRuntime", h.CreateRuntime, st)
			}
			if err != nil {
				p.conn.send(message{Type: msgError, Message: err.Error()})
				return err
			}
			if err := p.conn.send(message{Type: msgHooksDone}); err != nil {
				return err
			}
		case msgReady:
			if p.relay != nil {
				return p.relay.wait()
			}
			return nil
		default:
			return fmt.Errorf("unexpected message %q from init", m.Type)
		}
	}
}

// newBootstrap turns the spec's namespaces into the preamble's request.
// hostRoot returns the host uid and gid that the container's root maps to.
func hostRoot(l *specs.Linux) (uid, gid int) {
	for _, m := range l.UIDMappings {
		if m.ContainerID == 0 {
			uid = int(m.HostID)
		}
	}
	for _, m := range l.GIDMappings {
		if m.ContainerID == 0 {
			gid = int(m.HostID)
		}
	}
	return uid, gid
}

func newBootstrap(spec *specs.Spec) bootstrap {
	b := bootstrap{
		timeOffsets: spec.Linux.TimeOffsets,
		uidMaps:     spec.Linux.UIDMappings,
		gidMaps:     spec.Linux.GIDMappings,
	}
	if spec.Process != nil {
		b.oomScoreAdj = spec.Process.OOMScoreAdj
	}
	for _, ns := range spec.Linux.Namespaces {
		switch {
		case ns.Path != "":
			b.joins = append(b.joins, nsJoin{flag: nsFlags[ns.Type], path: ns.Path})
		case ns.Type == specs.CgroupNamespace:
			// Init unshares it once it is in its cgroup, which becomes the
			// namespace's root; the preamble runs before that.
		default:
			b.cloneFlags |= nsFlags[ns.Type]
		}
	}
	return b
}

// namespacePaths records where exec finds each of the container's
// namespaces: the path it joined, or init's own.
func namespacePaths(spec *specs.Spec, pid int) map[specs.LinuxNamespaceType]string {
	paths := make(map[specs.LinuxNamespaceType]string, len(spec.Linux.Namespaces))
	for _, ns := range spec.Linux.Namespaces {
		paths[ns.Type] = "/proc/" + strconv.Itoa(pid) + "/ns/" + nsProcName[ns.Type]
	}
	return paths
}

func killAndReap(pid int) {
	unix.Kill(pid, unix.SIGKILL)
	proc.Wait(pid)
}
