package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/engine"
	"github.com/hullrt/hull/internal/proc"
)

// execOptions are `hull exec`'s flags.
type execOptions struct {
	interactive, tty, detach, privileged bool
	env, envFiles                        []string
	workdir, user                        string
}

// runExec is `hull exec`: a process in a running container. There is no
// daemon in between: the process is hull's own child, given hull's stdio
// (or, with -t, a pty whose master hull copies to and from its terminal),
// and hull exits with its exit status.
func runExec(ctx context.Context, e *env, args []string) error {
	var o execOptions
	fs := e.newFlags("exec")
	fs.Bool(&o.interactive, "i", "interactive", "Keep STDIN open even if not attached")
	fs.Bool(&o.tty, "t", "tty", "Allocate a pseudo-TTY")
	fs.Bool(&o.detach, "d", "detach", "Detached mode: run command in the background")
	fs.Bool(&o.privileged, "", "privileged", "Give extended privileges to the command")
	fs.Strings(&o.env, "e", "env", "Set environment variables")
	fs.Strings(&o.envFiles, "", "env-file", "Read in a file of environment variables")
	fs.String(&o.workdir, "w", "workdir", "Working directory inside the container")
	fs.String(&o.user, "u", "user", "Username or UID (format: <name|uid>[:<group|gid>])")
	pos, err := fs.parseLeading(args)
	if err != nil {
		return err
	}
	if err := needArgs("exec", 2, pos); err != nil {
		return err
	}
	env, err := envList(o.envFiles, o.env)
	if err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	eo := engine.ExecOptions{Cmd: pos[1:], Env: env, WorkingDir: o.workdir, User: o.user, Tty: o.tty, Privileged: o.privileged}
	switch {
	case o.detach:
		return execDetached(eng, pos[0], eo)
	case o.tty:
		return e.execTerminal(eng, pos[0], eo, o.interactive)
	}
	return e.execPiped(eng, pos[0], eo, o.interactive)
}

// execDetached starts the process with its stdio on /dev/null and leaves
// it: when hull exits it is reparented, as any orphan is.
func execDetached(eng *engine.Engine, ref string, eo engine.ExecOptions) error {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer null.Close()
	eo.Stdin, eo.Stdout, eo.Stderr = null, null, null
	if eo.Tty {
		// A terminal nobody reads would block the process once its
		// buffer fills; detached, the process gets none.
		eo.Tty = false
	}
	_, err = eng.Exec(ref, eo)
	return docker(err)
}

// execPiped runs the process on hull's own stdio: without -i its stdin is
// /dev/null, as Docker gives an exec'd process no input then.
func (e *env) execPiped(eng *engine.Engine, ref string, eo engine.ExecOptions, interactive bool) error {
	var in any = e.stdin
	if !interactive {
		in = nil
	}
	stdio, err := newProcessStdio(in, e.stdout, e.stderr)
	if err != nil {
		return err
	}
	defer stdio.close()
	eo.Stdin, eo.Stdout, eo.Stderr = stdio.files[0], stdio.files[1], stdio.files[2]
	pid, err := eng.Exec(ref, eo)
	stdio.started()
	if err != nil {
		return docker(err)
	}
	stop := forwardSignals(pid)
	code, err := waitPid(pid)
	stop()
	stdio.wait()
	return exitWith(code, err)
}

// processStdio are the three files a child process gets for hull's stdio:
// the streams themselves when they are files, else pipes that goroutines
// copy through (hull run in-process, as the cli package's tests do).
type processStdio struct {
	files  [3]*os.File
	theirs []*os.File // pipe ends to close once the child has them
	mine   []*os.File // pipe ends to close when done
	copies sync.WaitGroup
}

func newProcessStdio(stdin any, stdout, stderr io.Writer) (*processStdio, error) {
	p := &processStdio{}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	p.theirs = append(p.theirs, null)
	p.files[0] = null
	if stdin != nil {
		if p.files[0], err = p.input(stdin.(io.Reader)); err != nil {
			p.close()
			return nil, err
		}
	}
	for i, w := range []io.Writer{stdout, stderr} {
		if p.files[i+1], err = p.output(w); err != nil {
			p.close()
			return nil, err
		}
	}
	return p, nil
}

func (p *processStdio) input(r io.Reader) (*os.File, error) {
	if f, ok := r.(*os.File); ok {
		return f, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.theirs, p.mine = append(p.theirs, pr), append(p.mine, pw)
	go func() { io.Copy(pw, r); pw.Close() }()
	return pr, nil
}

func (p *processStdio) output(w io.Writer) (*os.File, error) {
	if f, ok := w.(*os.File); ok {
		return f, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.theirs, p.mine = append(p.theirs, pw), append(p.mine, pr)
	p.copies.Add(1)
	go func() { defer p.copies.Done(); io.Copy(w, pr) }()
	return pw, nil
}

// started closes the ends the child now holds, so that its exit ends the
// copies.
func (p *processStdio) started() {
	for _, f := range p.theirs {
		f.Close()
	}
	p.theirs = nil
}

// wait waits for the output copies to drain.
func (p *processStdio) wait() { p.copies.Wait() }

func (p *processStdio) close() {
	p.started()
	for _, f := range p.mine {
		f.Close()
	}
}

// forwardSignals passes the signals a user sends a foreground program on
// to pid, until the returned function is called.
func forwardSignals(pid int) (stop func()) {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, proxiedSignals...)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				unix.Kill(pid, sig.(unix.Signal))
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(sigs); close(done) }
}

// waitPid waits for the child pid and returns its exit status as a shell
// reports it: the code, or 128+n when signal n killed it.
func waitPid(pid int) (int, error) {
	ws, err := proc.Wait(pid)
	if err != nil {
		return -1, err
	}
	return proc.ExitStatus(ws), nil
}
