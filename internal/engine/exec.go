package engine

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/capabilities"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/runtime"
	"github.com/hullrt/hull/internal/spec"
)

// ExecOptions describe a process to start in a running container, as
// `docker exec` flags do.
type ExecOptions struct {
	Cmd        []string
	Env        []string
	WorkingDir string
	User       string
	Tty        bool
	Privileged bool
	// The process's stdio; with Tty, ConsoleSocket receives the pty master
	// instead.
	Stdin, Stdout, Stderr *os.File
	ConsoleSocket         *os.File
}

// Exec starts a process in a running container, in all its namespaces and
// its cgroup, with the container's environment, user and security settings
// unless opts override them. It returns the process's host pid; the caller
// is its parent and waits for it.
func (e *Engine) Exec(ref string, opts ExecOptions) (int, error) {
	c, err := e.Lookup(ref)
	if err != nil {
		return 0, err
	}
	st := e.status(c)
	if !st.Running {
		return 0, fmt.Errorf("container %s is not running: %w", c.ID, errdefs.ErrConflict)
	}
	if st.Paused {
		return 0, fmt.Errorf("container %s is paused, unpause the container before exec: %w", c.ID, errdefs.ErrConflict)
	}
	if len(opts.Cmd) == 0 {
		return 0, fmt.Errorf("no command specified: %w", errdefs.ErrInvalidArgument)
	}
	rc, err := e.runtime.Load(c.ID)
	if err != nil {
		return 0, err
	}
	p, err := e.execProcess(c, rc.Config(), opts)
	if err != nil {
		return 0, err
	}
	pid, err := rc.Exec(p, runtime.ExecOpts{Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr, ConsoleSocket: opts.ConsoleSocket})
	if err != nil {
		return 0, execError(err)
	}
	e.emit(c, "exec_start: "+opts.Cmd[0], nil)
	return pid, nil
}

// execProcess derives the exec'd process from the container's own.
func (e *Engine) execProcess(c *Container, s *specs.Spec, opts ExecOptions) (*specs.Process, error) {
	if s == nil || s.Process == nil {
		return nil, fmt.Errorf("container %s has no process configuration", c.ID)
	}
	p := *s.Process
	p.Args = opts.Cmd
	p.Terminal = opts.Tty
	p.ConsoleSize = nil
	p.Env = mergeEnv(p.Env, opts.Env)
	if opts.Tty {
		p.Env = mergeEnv(p.Env, []string{"TERM=xterm"})
	}
	if opts.WorkingDir != "" {
		p.Cwd = opts.WorkingDir
	}
	if opts.User != "" {
		u, home, err := spec.ResolveUser(filepath.Join(e.dir(c.ID), "rootfs"), opts.User, c.HostConfig.GroupAdd)
		if err != nil {
			return nil, err
		}
		p.User = u
		p.Env = mergeEnv(p.Env, []string{"HOME=" + home})
	}
	if opts.Privileged {
		all := hostCapabilities()
		p.Capabilities = &specs.LinuxCapabilities{Bounding: all, Effective: all, Permitted: all}
	}
	return &p, nil
}

// hostCapabilities names every capability the running kernel has.
func hostCapabilities() []string {
	known := capabilities.Known()
	last, err := capabilities.LastCap()
	if err == nil && int(last)+1 < len(known) {
		known = known[:last+1]
	}
	return known
}
