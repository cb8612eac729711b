package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/monitor"
	"github.com/hullrt/hull/internal/spec"
)

// defaultStopTimeout is Docker's grace period before SIGKILL.
const defaultStopTimeout = 10

// StopOptions tune Stop; nil fields take the container's own settings
// (--stop-signal, --stop-timeout) or Docker's defaults (SIGTERM, 10 s).
type StopOptions struct {
	Signal  string
	Timeout *int
}

// Stop stops a running container gracefully: its stop signal, then SIGKILL
// when it has not exited within the timeout (a negative timeout waits for
// ever). The restart policy does not restart a container stopped this way.
// Stopping a container that is not running does nothing.
func (e *Engine) Stop(ctx context.Context, ref string, opts StopOptions) error {
	c, err := e.Lookup(ref)
	if err != nil {
		return err
	}
	if st := e.status(c); !st.Running && !st.Restarting {
		return nil
	}
	if err := monitor.MarkStopping(e.dir(c.ID)); err != nil {
		return err
	}
	sigName := firstNonEmpty(opts.Signal, c.Config.StopSignal, "SIGTERM")
	sig, err := spec.ParseSignal(sigName)
	if err != nil {
		return err
	}
	timeout := defaultStopTimeout
	if c.Config.StopTimeout != nil {
		timeout = *c.Config.StopTimeout
	}
	if opts.Timeout != nil {
		timeout = *opts.Timeout
	}
	if err := e.signal(c, sig, false); err != nil && !errors.Is(err, errNotRunning) {
		return err
	}
	e.emit(c, "kill", map[string]string{"signal": strconv.Itoa(int(sig))})
	if timeout < 0 || !e.waitExit(ctx, c, time.Duration(timeout)*time.Second) {
		if timeout >= 0 {
			e.signal(c, unix.SIGKILL, true)
			e.emit(c, "kill", map[string]string{"signal": "9"})
		}
		e.waitExit(ctx, c, -1)
	}
	e.emit(c, "stop", nil)
	return ctx.Err()
}

// Kill sends a signal (default SIGKILL) to the container's main process.
// Unlike Stop it leaves the restart policy in force, as Docker does.
func (e *Engine) Kill(ctx context.Context, ref, signal string) error {
	c, err := e.Lookup(ref)
	if err != nil {
		return err
	}
	sig, err := spec.ParseSignal(firstNonEmpty(signal, "SIGKILL"))
	if err != nil {
		return err
	}
	if err := e.signal(c, sig, false); err != nil {
		return err
	}
	e.emit(c, "kill", map[string]string{"signal": strconv.Itoa(int(sig))})
	return nil
}

// Restart stops the container (if running) and starts it again.
func (e *Engine) Restart(ctx context.Context, ref string, opts StopOptions) error {
	if err := e.Stop(ctx, ref, opts); err != nil {
		return err
	}
	if _, err := e.Start(ctx, ref, StartOptions{}); err != nil {
		return err
	}
	c, _ := e.Lookup(ref)
	if c != nil {
		e.emit(c, "restart", nil)
	}
	return nil
}

// Wait blocks until the container is stopped and returns its exit code.
// Waiting on a container that is not running returns its last exit code.
func (e *Engine) Wait(ctx context.Context, ref string) (int, error) {
	c, err := e.Lookup(ref)
	if err != nil {
		return -1, err
	}
	ms, err := monitor.WaitExit(ctx, e.dir(c.ID))
	if err != nil {
		return -1, err
	}
	if ms == nil {
		return 0, nil
	}
	if st := e.status(c); st.Status == container.StateExited {
		return st.ExitCode, nil
	}
	return ms.ExitCode, nil
}

// signal delivers sig to the container's init (or every process, with all).
func (e *Engine) signal(c *Container, sig unix.Signal, all bool) error {
	st := e.status(c)
	if !st.Running {
		return fmt.Errorf("container %s %w: %w", c.ID, errNotRunning, errdefs.ErrConflict)
	}
	rc, err := e.runtime.Load(c.ID)
	if err != nil {
		return fmt.Errorf("container %s %w: %w", c.ID, errNotRunning, errdefs.ErrConflict)
	}
	return rc.Signal(sig, all)
}

// waitExit waits up to d (d < 0: for ever) for the container to exit and
// reports whether it did.
func (e *Engine) waitExit(ctx context.Context, c *Container, d time.Duration) bool {
	if d >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	if _, err := monitor.WaitExit(ctx, e.dir(c.ID)); err != nil {
		return false
	}
	// Without a monitor (killed), only the runtime knows when init is gone.
	for e.status(c).Running {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return true
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
