package runtime

import (
	"errors"
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/capabilities"
	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/initplan"
	"github.com/hullrt/hull/internal/netif"
	"github.com/hullrt/hull/internal/rootfs"
	"github.com/hullrt/hull/internal/seccomp"
)

// defaultPath is the PATH a program is looked up in when the process's
// environment has none, as in lookPath.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// planInit turns the configuration of a container's init, or of a process
// exec'd in it, into a plan for the C init (internal/nsexec/cinit.c),
// which then sets it up without starting a second Go runtime: about 2 ms
// less per start. It returns nil, nil for a config that needs what only the
// Go init does (hooks that run inside the container, LSM labels,
// scheduling attributes, a seccomp listener, no mount namespace, or
// --no-pivot); such a process starts as before, through Init.
//
// The plan follows initContainer (execProcess for an exec'd process) step
// by step; a change there needs the same change here.
func planInit(cfg *initConfig, cgroupDirs []cgroups.Dir) (*initplan.Plan, error) {
	spec, proc := cfg.Spec, cfg.Process
	if !cFriendly(cfg) {
		return nil, nil
	}
	if cfg.Kind == initExec {
		return planExec(cfg)
	}
	var p initplan.Plan
	if proc.Terminal {
		p.Add(initplan.Setsid)
	}
	if spec.Annotations[netif.LoopbackAnnotation] == "up" && hasNamespace(spec, specs.NetworkNamespace) {
		p.Add(initplan.LoopbackUp)
	}
	if cfg.CgroupNS {
		p.Add(initplan.CgroupNS)
	}
	if !cfg.NoNewKeyring {
		p.Add(initplan.Keyring, "_ses."+cfg.ID)
	}
	rc := &rootfs.Config{Spec: spec, Rootfs: cfg.Rootfs, CgroupNS: cfg.CgroupNS, UserNS: cfg.UserNS}
	if err := rootfs.PlanPrepare(rc, &p, cgroupDirs); err != nil {
		if errors.Is(err, rootfs.ErrNotPlanned) {
			return nil, nil
		}
		return nil, err
	}
	if h := spec.Hooks; h != nil && (len(h.Prestart) > 0 || len(h.CreateRuntime) > 0) {
		p.Add(initplan.Hooks)
	}
	if err := rootfs.PlanPivot(rc, &p); err != nil {
		return nil, err
	}
	if proc.Terminal {
		p.Add(initplan.Console, cfg.ConsoleFD, true)
	}
	if err := rootfs.PlanFinalize(rc, &p); err != nil {
		return nil, err
	}
	filter, err := cfg.seccompFilter()
	if err != nil {
		return nil, err
	}
	if err := planProcess(&p, proc, filter); err != nil {
		return nil, err
	}
	p.Add(initplan.Exec, cfg.FifoFD, cfg.PreserveFDs, pathOf(proc.Env), len(proc.Args), proc.Args, proc.Env)
	return &p, nil
}

// planExec plans what execProcess does for a process exec'd in a container
// with a mount namespace of its own: no fifo to wait on, the process runs
// at once.
func planExec(cfg *initConfig) (*initplan.Plan, error) {
	var p initplan.Plan
	proc := cfg.Process
	if proc.Terminal {
		p.Add(initplan.Setsid)
		p.Add(initplan.Console, cfg.ConsoleFD, false)
	}
	filter, err := cfg.seccompFilter()
	if err != nil {
		return nil, err
	}
	if err := planProcess(&p, proc, filter); err != nil {
		return nil, err
	}
	p.Add(initplan.Exec, -1, cfg.PreserveFDs, pathOf(proc.Env), len(proc.Args), proc.Args, proc.Env)
	return &p, nil
}

// cFriendly reports whether the C init can run cfg (see planInit).
func cFriendly(cfg *initConfig) bool {
	spec, proc := cfg.Spec, cfg.Process
	if (cfg.Kind != initContainer && cfg.Kind != initExec) || cfg.NoPivot {
		return false
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == specs.MountNamespace && ns.Path != "" && cfg.Kind == initContainer {
			return false
		}
	}
	if !hasNamespace(spec, specs.MountNamespace) {
		return false
	}
	if h := spec.Hooks; cfg.Kind == initContainer && h != nil && (len(h.CreateContainer) > 0 || len(h.StartContainer) > 0) {
		return false
	}
	if proc.ApparmorProfile != "" || proc.SelinuxLabel != "" || proc.Scheduler != nil || proc.IOPriority != nil {
		return false
	}
	if len(proc.Args) == 0 || initplan.HasNUL(proc.Args...) || initplan.HasNUL(proc.Env...) ||
		initplan.HasNUL(proc.Cwd, spec.Hostname, spec.Domainname) {
		return false
	}
	if f, err := cfg.seccompFilter(); err != nil || (f != nil && f.Notifies()) {
		return false
	}
	return true
}

// planProcess plans what prepareProcess does, in its order.
func planProcess(p *initplan.Plan, proc *specs.Process, filter *seccomp.Filter) error {
	for _, rl := range proc.Rlimits {
		res, ok := rlimitTypes[rl.Type]
		if !ok {
			return fmt.Errorf("unknown rlimit %q: %w", rl.Type, errdefs.ErrInvalidArgument)
		}
		p.Add(initplan.Rlimit, rl.Type, res, rl.Soft, rl.Hard)
	}
	if proc.NoNewPrivileges {
		p.Add(initplan.NoNewPrivs)
	}
	if filter != nil {
		flags, prog := filter.Raw()
		// With no_new_privs the filter can wait until just before execve.
		p.Add(initplan.Seccomp, flags, prog, proc.NoNewPrivileges)
	}
	caps, _, err := capabilities.New(proc.Capabilities)
	if err != nil {
		return err
	}
	last, err := capabilities.LastCap()
	if err != nil {
		return err
	}
	u := proc.User
	groups := initplan.List(u.AdditionalGids)
	if caps == nil {
		p.Add(initplan.Credentials, u.UID, u.GID, groups, false, 0, 0, 0, 0, 0, int(last))
	} else {
		p.Add(initplan.Credentials, u.UID, u.GID, groups, true, uint64(caps.Bounding), uint64(caps.Effective),
			uint64(caps.Permitted), uint64(caps.Inheritable), uint64(caps.Ambient), int(last))
	}
	umask := uint32(0o022)
	if u.Umask != nil {
		umask = *u.Umask
	}
	p.Add(initplan.Umask, umask)
	p.Add(initplan.Cwd, proc.Cwd)
	return nil
}

// pathOf returns the PATH of env, as lookPath reads it.
func pathOf(env []string) string {
	path := defaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	return path
}
