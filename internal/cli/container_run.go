package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/hullrt/hull/internal/engine"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/monitor"
)

// runRun is `hull run`: create, start and, unless -d, stay attached until
// the container exits, then exit with its exit code. hull's own failures
// exit 125 (bad flags, unknown image, name in use), a command that cannot
// be run 126 and one that is not found 127, as with Docker.
func runRun(ctx context.Context, e *env, args []string) error {
	var o runOptions
	fs := e.newFlags("run")
	addRunFlags(fs, &o)
	fs.Bool(&o.detach, "d", "detach", "Run container in background and print container ID")
	fs.Bool(&o.sigProxy, "", "sig-proxy", "Proxy received signals to the process (default true)")
	fs.detachKeys(&o.detachKeys)
	var streams []string
	fs.Strings(&streams, "a", "attach", "Attach to STDIN, STDOUT or STDERR")
	pos, err := fs.parseLeading(args)
	if err != nil {
		return err
	}
	if err := needArgs("run", 1, pos); err != nil {
		return err
	}
	if o.attach, err = parseAttach(streams, o.detach); err != nil {
		return err
	}
	if o.tty {
		if fd, ok := fdOf(e.stdout); ok {
			// The terminal's size before the first byte is written; the
			// session keeps it current afterwards.
			if rows, cols, ok := terminalSize(fd); ok {
				o.consoleSize = [2]uint{uint(rows), uint(cols)}
			}
		}
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	// The container's monitor starts while the container is created.
	pending, err := eng.PreforkMonitor(!o.detach)
	if err != nil {
		return docker(err)
	}
	defer pending.Abandon()
	c, err := createContainer(ctx, e, &o, pos)
	if err != nil {
		return err
	}
	if o.detach {
		if _, err := eng.Start(ctx, c.ID, engine.StartOptions{Monitor: pending}); err != nil {
			return docker(err)
		}
		fmt.Fprintln(e.stdout, c.ID)
		return nil
	}
	return runAttached(ctx, e, eng, c.ID, &o, pending)
}

// attachStreams are the streams `run -a` joins.
type attachStreams struct{ stdin, stdout, stderr bool }

// parseAttach reads run's -a values as Docker does (case aside, stdin,
// stdout or stderr; none means all three). Stdin reaches only a container
// run with -i.
func parseAttach(streams []string, detach bool) (attachStreams, error) {
	if len(streams) == 0 {
		return attachStreams{stdin: true, stdout: true, stderr: true}, nil
	}
	if detach {
		return attachStreams{}, fmt.Errorf("conflicting options: cannot specify both --attach and --detach")
	}
	var a attachStreams
	for _, s := range streams {
		switch strings.ToLower(s) {
		case "stdin":
			a.stdin = true
		case "stdout":
			a.stdout = true
		case "stderr":
			a.stderr = true
		default:
			return a, fmt.Errorf("invalid argument %q for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR", s)
		}
	}
	return a, nil
}

// runAttached starts the container with an attachment made before its
// process runs, so no output is lost, streams until it exits and, with
// --rm, removes it and its anonymous volumes.
func runAttached(ctx context.Context, e *env, eng *engine.Engine, id string, o *runOptions, pending *monitor.Pending) error {
	bg := context.WithoutCancel(ctx)
	// deferred: the monitor is there to delete the files the removal puts
	// in the trash (see engine.RemoveOptions.Deferred).
	remove := func(deferred bool) error {
		if !o.rm {
			return nil
		}
		err := eng.Remove(bg, id, engine.RemoveOptions{Force: true, Volumes: true, Deferred: deferred})
		if errdefs.IsNotFound(err) {
			return nil // the monitor's own `hull rm` got there first
		}
		return err
	}
	att, err := eng.Start(ctx, id, engine.StartOptions{Attach: true, Monitor: pending, Removes: o.rm})
	if err != nil {
		remove(false)
		return docker(err)
	}
	code, err := e.session(ctx, eng, att, sessionOptions{id: id, stdin: o.attach.stdin && o.interactive, tty: o.tty, sigProxy: o.sigProxy,
		detachKeys: o.detachKeys, noStdout: !o.attach.stdout, noStderr: !o.attach.stderr})
	proxied := o.sigProxy && !o.tty
	if err != nil || ctx.Err() != nil && !proxied {
		// Detached by a signal: the container runs on, as with Docker.
		return exitWith(code, err)
	}
	if rerr := remove(true); rerr != nil {
		return docker(rerr)
	}
	return exitWith(code, nil)
}
