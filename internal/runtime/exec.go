package runtime

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
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
	extra := append([]*os.File{}, opts.PreserveFDs...)
	if opts.ConsoleSocket != nil {
		cfg.ConsoleFD = 3 + len(extra)
		extra = append(extra, opts.ConsoleSocket)
	}
	boot := bootstrap{oomScoreAdj: p.OOMScoreAdj}
	// Join the user namespace first (the preamble orders it so), then the
	// rest, all through init's /proc entries.
	for _, ns := range spec.Linux.Namespaces {
		boot.joins = append(boot.joins, nsJoin{flag: nsFlags[ns.Type], path: c.state.Namespaces[ns.Type]})
	}
	sp, err := c.rt.launch(cfg, &spawnRequest{
		boot:   boot,
		dir:    "/",
		stdio:  [3]*os.File{opts.Stdin, opts.Stdout, opts.Stderr},
		extra:  extra,
		cgroup: cg,
	}, nil, func(int) specs.State {
		st := c.OCIState()
		return specs.State{Version: st.OCIVersion, ID: st.ID, Status: specs.ContainerState(st.Status),
			Pid: st.Pid, Bundle: st.Bundle, Annotations: st.Annotations}
	})
	if err != nil {
		return 0, err
	}
	// The socket closes on execve; a message before that is an error.
	if _, err := sp.conn.recv(); err != errPeerGone {
		sp.close()
		if err == nil {
			err = fmt.Errorf("unexpected message from the exec'd process")
		}
		return 0, err
	}
	if sp.relay != nil {
		// The process sent its listener before execve; it runs already,
		// its notifying calls waiting for the agent.
		if err := sp.relay.wait(); err != nil {
			sp.close()
			return 0, err
		}
	}
	sp.conn.close()
	return sp.pid, nil
}
