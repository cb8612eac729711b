package runtime

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Start lets a created container's init exec the user's program, then runs
// the poststart hooks. Only a created container can start.
func (c *Container) Start() error {
	return c.locked(c.start)
}

func (c *Container) start() error {
	if st := c.Status(); st != Created {
		return fmt.Errorf("cannot start a container that is %s: %w", st, errdefs.ErrConflict)
	}
	if err := c.awaitInit(); err != nil {
		return err
	}
	if err := os.Remove(c.fifoPath()); err != nil {
		return fmt.Errorf("removing exec fifo: %w", err)
	}
	if h := c.state.Config.Hooks; h != nil && len(h.Poststart) > 0 {
		// The state of a container that has just started, as runc passes
		// it: a program as quick as `true` may be gone before the hooks
		// run, and a live reading would then say "stopped" with no pid.
		st := c.OCIState()
		st.Status, st.Pid = Running, c.state.Pid
		runHooksWarn("poststart", h.Poststart, st, c.rt.warn)
	}
	return nil
}

// awaitInit opens the exec fifo, which lets init go on, and waits for
// init's byte and then for the end of the fifo: init keeps its write end
// open, close-on-exec, so the end comes when it has exec'd the user's
// program (or died). Poststart hooks so run after the program started, as
// the spec says. The read end is opened non-blocking and polled, checking
// between polls that init still lives: a reader that blocked in open would
// wait forever for a dead init.
func (c *Container) awaitInit() error {
	fd, err := unix.Open(c.fifoPath(), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening exec fifo: %w", err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 1)
	started := false
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 100)
		if err != nil && err != unix.EINTR {
			return fmt.Errorf("waiting for container init: %w", err)
		}
		if n > 0 {
			r, err := unix.Read(fd, buf)
			switch {
			case r == 1:
				started = true
				continue
			case err == unix.EAGAIN:
				continue
			case started:
				return nil // end of file: init exec'd
			}
			// A writer came and went without a byte: init died in between.
			return fmt.Errorf("container init exited before start")
		}
		if !c.state.alive() {
			if started {
				return nil
			}
			return fmt.Errorf("container init exited before start")
		}
	}
}
