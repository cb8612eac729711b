package ocicli

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	hullrt "github.com/hullrt/hull/internal/runtime"
)

type execFlags struct {
	consoleSocket, cwd, user, pidFile, processFile string
	apparmor, processLabel                         string
	env, caps, gids                                stringList
	tty, detach, noNewPrivs                        bool
	preserveFDs                                    int
}

func (f *execFlags) register() *flag.FlagSet {
	fs := newFlags("exec")
	fs.StringVar(&f.consoleSocket, "console-socket", "", "")
	fs.StringVar(&f.cwd, "cwd", "", "")
	fs.StringVar(&f.user, "user", "", "")
	fs.StringVar(&f.user, "u", "", "")
	fs.StringVar(&f.pidFile, "pid-file", "", "")
	fs.StringVar(&f.processFile, "process", "", "")
	fs.StringVar(&f.processFile, "p", "", "")
	fs.StringVar(&f.apparmor, "apparmor", "", "")
	fs.StringVar(&f.processLabel, "process-label", "", "")
	fs.Var(&f.env, "env", "")
	fs.Var(&f.env, "e", "")
	fs.Var(&f.caps, "cap", "")
	fs.Var(&f.caps, "c", "")
	fs.Var(&f.gids, "additional-gids", "")
	fs.Var(&f.gids, "g", "")
	fs.BoolVar(&f.tty, "tty", false, "")
	fs.BoolVar(&f.tty, "t", false, "")
	fs.BoolVar(&f.detach, "detach", false, "")
	fs.BoolVar(&f.detach, "d", false, "")
	fs.BoolVar(&f.noNewPrivs, "no-new-privs", false, "")
	fs.IntVar(&f.preserveFDs, "preserve-fds", 0, "")
	fs.String("cgroup", "", "")
	fs.Bool("ignore-paused", false, "")
	return fs
}

func cmdExec(g *globals, args []string) error {
	var f execFlags
	pos, err := parseArgs(f.register(), args, 1)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("exec: usage: hull-oci exec [flags] ID COMMAND [ARG...]")
	}
	rt, err := g.runtime()
	if err != nil {
		return err
	}
	c, err := rt.Load(pos[0])
	if err != nil {
		return err
	}
	p, err := f.process(c.Config().Process, pos[1:])
	if err != nil {
		return err
	}
	opts := hullrt.ExecOpts{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if opts.PreserveFDs, err = inheritedFiles(f.preserveFDs); err != nil {
		return err
	}
	var tty *ttyRelay
	switch {
	case p.Terminal && f.consoleSocket != "":
		if opts.ConsoleSocket, err = dialConsoleSocket(f.consoleSocket); err != nil {
			return err
		}
		defer opts.ConsoleSocket.Close()
	case p.Terminal && f.detach:
		return fmt.Errorf("exec: a detached process with a terminal needs --console-socket")
	case p.Terminal:
		if tty, err = newTTYRelay(); err != nil {
			return err
		}
		defer tty.close()
		opts.ConsoleSocket = tty.child
	}
	sigs := make(chan os.Signal, 64)
	if !f.detach {
		signal.Notify(sigs)
	}
	pid, err := c.Exec(p, opts)
	if err != nil {
		return err
	}
	if tty != nil {
		if err := tty.start(); err != nil {
			return err
		}
	}
	if err := writePidFile(f.pidFile, pid); err != nil {
		return err
	}
	if f.detach {
		return nil
	}
	if status := waitForwarding(pid, sigs, tty); status != 0 {
		return exitError(status)
	}
	return nil
}

// process builds the exec'd process: from --process, or from the
// container's own process with the flags' changes, as runc does.
func (f *execFlags) process(base *specs.Process, args []string) (*specs.Process, error) {
	if f.processFile != "" {
		data, err := os.ReadFile(f.processFile)
		if err != nil {
			return nil, fmt.Errorf("exec: reading --process: %w", err)
		}
		var p specs.Process
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("exec: parsing --process %s: %w", f.processFile, err)
		}
		return &p, nil
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("exec: no command given")
	}
	p := *base // shallow: slices below are replaced, never appended in place
	p.Args = args
	p.Terminal = f.tty
	p.Env = append(append([]string{}, base.Env...), f.env...)
	if f.cwd != "" {
		p.Cwd = f.cwd
	}
	if f.noNewPrivs {
		p.NoNewPrivileges = true
	}
	if f.apparmor != "" {
		p.ApparmorProfile = f.apparmor
	}
	if f.processLabel != "" {
		p.SelinuxLabel = f.processLabel
	}
	if len(f.caps) > 0 {
		p.Capabilities = addCaps(base.Capabilities, f.caps)
	}
	if err := f.applyUser(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

func addCaps(base *specs.LinuxCapabilities, add []string) *specs.LinuxCapabilities {
	c := &specs.LinuxCapabilities{}
	if base != nil {
		*c = *base
	}
	grow := func(s []string) []string { return append(append([]string{}, s...), add...) }
	c.Bounding, c.Effective, c.Permitted = grow(c.Bounding), grow(c.Effective), grow(c.Permitted)
	return c
}

// applyUser applies --user uid[:gid] and --additional-gids.
func (f *execFlags) applyUser(p *specs.Process) error {
	if f.user != "" {
		uidStr, gidStr, hasGid := strings.Cut(f.user, ":")
		uid, err := strconv.ParseUint(uidStr, 10, 32)
		if err != nil {
			return fmt.Errorf("exec: --user %q: want UID[:GID] as numbers", f.user)
		}
		p.User.UID = uint32(uid)
		if hasGid {
			gid, err := strconv.ParseUint(gidStr, 10, 32)
			if err != nil {
				return fmt.Errorf("exec: --user %q: want UID[:GID] as numbers", f.user)
			}
			p.User.GID = uint32(gid)
		}
	}
	for _, s := range f.gids {
		gid, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return fmt.Errorf("exec: --additional-gids %q: want a number", s)
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(gid))
	}
	return nil
}
