package cli

import (
	"context"
	"fmt"

	"github.com/hullrt/hull/internal/engine"
)

// stopFlags are the flags stop and restart share.
func stopFlags(fs *flagSet) (*engine.StopOptions, func()) {
	var o engine.StopOptions
	var timeout int
	fs.String(&o.Signal, "s", "signal", "Signal to send to the container")
	fs.Int(&timeout, "t", "time", "Seconds to wait before killing the container")
	return &o, func() {
		if fs.isSet("time") {
			o.Timeout = &timeout
		}
	}
}

// runStop is `hull stop`: the stop signal, then SIGKILL after the timeout.
func runStop(ctx context.Context, e *env, args []string) error {
	return stopOrRestart(ctx, e, "stop", args, func(eng *engine.Engine, ref string, o engine.StopOptions) error {
		return eng.Stop(ctx, ref, o)
	})
}

// runRestart is `hull restart`: stop, then start again.
func runRestart(ctx context.Context, e *env, args []string) error {
	return stopOrRestart(ctx, e, "restart", args, func(eng *engine.Engine, ref string, o engine.StopOptions) error {
		return eng.Restart(ctx, ref, o)
	})
}

func stopOrRestart(ctx context.Context, e *env, name string, args []string, fn func(*engine.Engine, string, engine.StopOptions) error) error {
	fs := e.newFlags(name)
	o, done := stopFlags(fs)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	done()
	if err := needArgs(name, 1, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	return e.forEach(pos, true, func(ref string) error { return fn(eng, ref, *o) })
}

// runKill is `hull kill`: a signal (SIGKILL unless -s) to each container.
func runKill(ctx context.Context, e *env, args []string) error {
	signal := "KILL"
	fs := e.newFlags("kill")
	fs.String(&signal, "s", "signal", `Signal to send to the container (default "KILL")`)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := needArgs("kill", 1, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	return e.forEach(pos, true, func(ref string) error { return eng.Kill(ctx, ref, signal) })
}

// runWait is `hull wait`: block until each container stops and print its
// exit code.
func runWait(ctx context.Context, e *env, args []string) error {
	pos, err := e.newFlags("wait").parse(args)
	if err != nil {
		return err
	}
	if err := needArgs("wait", 1, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	return e.forEach(pos, false, func(ref string) error {
		code, err := eng.Wait(ctx, ref)
		if err == nil {
			fmt.Fprintln(e.stdout, code)
		}
		return err
	})
}
