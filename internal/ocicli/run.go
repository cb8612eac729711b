package ocicli

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/proc"
	hullrt "github.com/hullrt/hull/internal/runtime"
)

func cmdRun(g *globals, args []string) error {
	var f createFlags
	var detach, keep bool
	fs := newFlags("run")
	f.register(fs)
	fs.BoolVar(&detach, "detach", false, "")
	fs.BoolVar(&detach, "d", false, "")
	fs.BoolVar(&keep, "keep", false, "")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return err
	}
	id, err := needID("run", pos)
	if err != nil {
		return err
	}
	rt, err := g.runtime()
	if err != nil {
		return err
	}
	opts, done, err := f.opts()
	if err != nil {
		return err
	}
	defer done()
	bundle := f.bundle
	if bundle == "" {
		bundle = "."
	}
	if opts.Spec, err = hullrt.ReadSpec(filepath.Join(bundle, "config.json")); err != nil {
		return err
	}
	var tty *ttyRelay
	if opts.Spec.Process != nil && opts.Spec.Process.Terminal && opts.ConsoleSocket == nil {
		if detach {
			return fmt.Errorf("run: a detached container with a terminal needs --console-socket")
		}
		if tty, err = newTTYRelay(); err != nil {
			return err
		}
		defer tty.close()
		opts.ConsoleSocket = tty.child
	}
	// Signals are caught from before create, so that none meant for the
	// container is lost once it runs. Enabling each signal is a round trip
	// to the Go runtime's signal-mask thread, ~2 ms for all of them, so it
	// happens while Create works, and start waits for it.
	sigs := make(chan os.Signal, 64)
	notified := make(chan struct{})
	if detach {
		close(notified)
	} else {
		go func() {
			signal.Notify(sigs)
			close(notified)
		}()
	}
	c, err := rt.Create(id, opts)
	if err != nil {
		return err
	}
	<-notified
	if err := runStarted(c, f.pidFile, tty); err != nil {
		c.Delete(true)
		return err
	}
	if detach {
		return nil
	}
	status := waitForwarding(c.Pid(), sigs, tty)
	if tty != nil {
		tty.close()
	}
	if !keep {
		if err := c.Delete(true); err != nil {
			g.log.warnf("deleting %s after it exited: %v", id, err)
		}
	}
	if status != 0 {
		return exitError(status)
	}
	return nil
}

// runStarted finishes run's setup: the terminal, the pid file, start.
func runStarted(c *hullrt.Container, pidFile string, tty *ttyRelay) error {
	if tty != nil {
		if err := tty.start(); err != nil {
			return err
		}
	}
	if err := writePidFile(pidFile, c.Pid()); err != nil {
		return err
	}
	return c.Start()
}

// waitForwarding waits for pid, our child, to exit, passing on the
// signals this process receives, and returns its exit status the way a
// shell reports it (128+n for a signal). The wait runs on this goroutine:
// handing its result over from another one costs a scheduler wake-up,
// which measured at 1 to 4 ms here.
func waitForwarding(pid int, sigs chan os.Signal, tty *ttyRelay) int {
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case s := <-sigs:
				switch sig := s.(unix.Signal); sig {
				case unix.SIGCHLD, unix.SIGURG, unix.SIGPIPE:
				case unix.SIGWINCH:
					if tty != nil {
						tty.resize()
					}
				default:
					unix.Kill(pid, sig)
				}
			}
		}
	}()
	// No signal.Stop: it waits for the signal loop to go idle, which took
	// milliseconds, and run exits right after anyway.
	ws, err := proc.Wait(pid)
	if err != nil {
		return 255
	}
	return proc.ExitStatus(ws)
}
