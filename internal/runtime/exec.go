package runtime

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/initplan"
)

// ExecOpts are the caller's choices for a process started in a container.
type ExecOpts struct {
	Stdin, Stdout, Stderr *os.File
	ConsoleSocket         *os.File
	PreserveFDs           []*os.File
}

// Exec starts p in the running container: in every one of its namespaces
// and its cgroup, under the container's seccomp filter. It returns the
// host pid once the process exec'd. When the caller is the process's
// parent (the process is born with CLONE_PARENT), it can wait for it.
func (c *Container) Exec(p *specs.Process, opts ExecOpts) (int, error) {
	var pid int
	err := c.locked(func() error {
		var err error
		pid, err = c.exec(p, opts)
		return err
	})
	return pid, err
}

func (c *Container) exec(p *specs.Process, opts ExecOpts) (int, error) {
	if st := c.Status(); st != Running && st != Created {
		return 0, fmt.Errorf("cannot exec in a container that is %s: %w", st, errdefs.ErrConflict)
	}
	if err := validateProcess(p, c.rt.warn); err != nil {
		return 0, err
	}
	if p.Terminal && opts.ConsoleSocket == nil {
		return 0, fmt.Errorf("a terminal was asked for without a console socket: %w", errdefs.ErrInvalidArgument)
	}
	cg, err := c.cgroup()
	if err != nil {
		return 0, err
	}
	spec := c.state.Config
	cfg := &initConfig{
		Kind:        initExec,
		ID:          c.ID(),
		Bundle:      c.state.Bundle,
		Spec:        spec,
		Process:     p,
		PreserveFDs: len(opts.PreserveFDs),
		Pid:         c.state.Pid,
	}
	if cfg.Seccomp, err = c.rt.compileSeccomp(spec.Linux.Seccomp); err != nil {
		return 0, err
	}
	extra := append([]*os.File{}, opts.PreserveFDs...)
	if opts.ConsoleSocket != nil {
		cfg.ConsoleFD = 3 + len(extra)
		extra = append(extra, opts.ConsoleSocket)
	}
	relay, err := cfg.listenerRelay(&extra)
	if err != nil {
		return 0, err
	}
	boot := bootstrap{oomScoreAdj: p.OOMScoreAdj}
	// Join the user namespace first (the preamble orders it so), then the
	// rest, all through init's /proc entries.
	for _, ns := range spec.Linux.Namespaces {
		boot.joins = append(boot.joins, nsJoin{flag: nsFlags[ns.Type], path: c.state.Namespaces[ns.Type]})
	}
	var plan *initplan.Plan
	if !c.rt.GoInit {
		if plan, err = planInit(cfg, nil); err != nil {
			return 0, err
		}
	}
	if plan != nil {
		boot.plan = plan.Bytes()
	}
	sp, err := c.rt.spawn(&spawnRequest{
		boot:   boot,
		dir:    "/",
		stdio:  [3]*os.File{opts.Stdin, opts.Stdout, opts.Stderr},
		extra:  extra,
		cgroup: cg,
	})
	if relay != nil {
		extra[cfg.ListenerFD-3].Close() // the process has its end now
		defer relay.close()
	}
	if err != nil {
		return 0, err
	}
	defer sp.conn.close()
	if relay != nil {
		relay.start(spec.Linux.Seccomp, sp.pid, func() specs.State {
			st := c.OCIState()
			return specs.State{Version: st.OCIVersion, ID: st.ID, Status: specs.ContainerState(st.Status),
				Pid: st.Pid, Bundle: st.Bundle, Annotations: st.Annotations}
		})
	}
	if plan == nil {
		if err := sp.conn.send(message{Type: msgConfig, Config: cfg}); err != nil {
			killAndReap(sp.pid)
			return 0, fmt.Errorf("sending the process its configuration: %w", err)
		}
	}
	// The socket closes on execve; a message before that is an error.
	if _, err := sp.conn.recv(); err != errPeerGone {
		killAndReap(sp.pid)
		if err == nil {
			err = fmt.Errorf("unexpected message from the exec'd process")
		}
		return 0, err
	}
	if relay != nil {
		// The process sent its listener before execve; it runs already,
		// its notifying calls waiting for the agent.
		if err := relay.wait(); err != nil {
			killAndReap(sp.pid)
			return 0, err
		}
	}
	return sp.pid, nil
}
