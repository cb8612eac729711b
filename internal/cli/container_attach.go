package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/engine"
	"github.com/hullrt/hull/internal/monitor"
)

// sessionOptions say how an attached session joins hull's streams to a
// container.
type sessionOptions struct {
	id       string // the container, which proxied signals go to
	stdin    bool   // send hull's stdin to the container
	tty      bool   // the container has a terminal: raw mode and resizes
	sigProxy bool   // pass the signals hull gets on to the container
	// detachKeys end the session, leaving the container running, when
	// read from stdin with a terminal (--detach-keys).
	detachKeys []byte
	// noStdout and noStderr drop those streams (`run -a`).
	noStdout, noStderr bool
}

// proxiedSignals are what --sig-proxy passes on. Docker passes nearly
// every signal; these are the ones a user sends a foreground program.
var proxiedSignals = []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2}

// session streams between hull's stdio and att until the container exits,
// and returns the container's exit code. With a terminal, hull's own
// terminal is put in raw mode and its size follows SIGWINCH. Without one
// and with sigProxy, SIGINT and the like go to the container (which decides
// whether to exit), as `docker run` does; otherwise a signal detaches hull
// and leaves the container running, and hull exits as the signal's
// 128+n.
func (e *env) session(ctx context.Context, eng *engine.Engine, att *monitor.Attachment, o sessionOptions) (int, error) {
	defer att.Close()
	var in io.Reader
	var detached atomic.Bool
	streamCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if o.stdin {
		in = e.stdin
		if o.tty {
			defer rawStdin(e.stdin)()
			if len(o.detachKeys) > 0 {
				in = &detachReader{r: in, keys: o.detachKeys, detach: func() { detached.Store(true); cancel() }}
			}
		}
	}
	if o.tty {
		defer watchResize(e.stdout, att.Resize)()
	}
	proxy := o.sigProxy && !o.tty
	sigs := make(chan os.Signal, 8)
	if proxy {
		signal.Notify(sigs, proxiedSignals...)
	} else {
		signal.Notify(sigs, unix.SIGINT, unix.SIGTERM)
	}
	defer signal.Stop(sigs)
	var last atomic.Int32
	go func() {
		for sig := range sigs {
			last.Store(int32(sig.(unix.Signal)))
			if proxy {
				eng.Kill(context.WithoutCancel(ctx), o.id, unix.SignalName(sig.(unix.Signal)))
			}
		}
	}()
	if proxy {
		// SIGINT and SIGTERM cancel ctx (see Main); here they go to the
		// container instead, and the session lasts until it exits.
		streamCtx, cancel = context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
	}
	stdout, stderr := e.stdout, e.stderr
	if o.noStdout {
		stdout = io.Discard
	}
	if o.noStderr {
		stderr = io.Discard
	}
	code, err := att.Stream(streamCtx, in, stdout, stderr)
	if detached.Load() {
		return 0, errDetached
	}
	if err != nil && ctx.Err() != nil && !proxy {
		sig := int(last.Load())
		if sig == 0 {
			sig = int(unix.SIGINT)
		}
		return 128 + sig, nil
	}
	if err != nil {
		// The monitor went away mid-stream (killed): the exit code, if
		// any, is in the container's state.
		if c, werr := eng.Wait(context.WithoutCancel(ctx), o.id); werr == nil {
			return c, nil
		}
		return -1, err
	}
	return code, nil
}

// exitWith ends a command with the container's exit code as hull's.
func exitWith(code int, err error) error {
	switch {
	case errors.Is(err, errDetached):
		return nil
	case err != nil:
		return docker(err)
	case code != 0:
		return exitStatus(code)
	}
	return nil
}

// runAttach is `hull attach`: hull's stdio joined to a running container's.
func runAttach(ctx context.Context, e *env, args []string) error {
	var noStdin bool
	var keys []byte
	sigProxy := true
	fs := e.newFlags("attach")
	fs.Bool(&noStdin, "", "no-stdin", "Do not attach STDIN")
	fs.detachKeys(&keys)
	fs.Bool(&sigProxy, "", "sig-proxy", "Proxy all received signals to the process (default true)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := exactArgs("attach", 1, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	info, err := eng.Inspect(pos[0])
	if err != nil {
		return docker(err)
	}
	switch {
	case info.State.Paused:
		return fmt.Errorf("you cannot attach to a paused container, unpause it first")
	case !info.State.Running:
		return fmt.Errorf("you cannot attach to a stopped container, start it first")
	}
	att, err := eng.Attach(info.ID)
	if err != nil {
		return docker(err)
	}
	o := sessionOptions{id: info.ID, stdin: !noStdin && info.Config.OpenStdin, tty: info.Config.Tty, sigProxy: sigProxy, detachKeys: keys}
	return exitWith(e.session(ctx, eng, att, o))
}
