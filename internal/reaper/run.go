package reaper

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// Main is hull-init's program: it parses args (without the program name),
// runs the command and returns the status hull-init should exit with.
// Problems are written to stderr as one line prefixed "hull-init:".
func Main(args []string, stderr io.Writer) int {
	o, err := ParseArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintln(stderr, Usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "hull-init: %v\n%s\n", err, Usage)
		return 1
	}
	status, err := Run(o)
	if err != nil {
		fmt.Fprintf(stderr, "hull-init: %v\n", err)
	}
	return status
}

// Run starts o.Args as hull-init's child and supervises it until it is
// gone, forwarding signals and reaping zombies meanwhile. It returns the
// status to exit with: the child's exit code, 128+n if signal n killed it,
// 127 or 126 with an *ExecError if the command could not be executed, or 1
// with an error if hull-init itself could not do its job.
//
// The main goroutine sits in wait4 and the forwarding happens on another
// one, rather than both following SIGCHLD on one channel: a blocking wait4
// returns the moment a child exits, while a SIGCHLD travels through Go's
// signal goroutine first, which measurably slows every short-lived
// container.
func Run(o Options) (int, error) {
	// A signal that arrives while the child is being started waits in the
	// channel and is forwarded once there is a pid to send it to. Go's
	// runtime queues each signal number once at most, so a small buffer
	// loses nothing a process could tell apart.
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs, urgent...)

	if o.Subreaper {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			signal.Stop(sigs)
			return 1, fmt.Errorf("becoming a child subreaper: %w", err)
		}
	}
	child, err := start(o.Args)
	if err != nil {
		signal.Stop(sigs)
		return exitStatusFor(err), err
	}
	done := make(chan struct{})
	defer close(done)
	go forwardAll(child, o.GroupSignals, sigs, done)
	return reapUntil(child), nil
}

// urgent are the signals caught before the child starts, so that from the
// moment the command runs none of them can end hull-init: Go's runtime
// exits on SIGHUP, SIGINT and SIGTERM and dumps its goroutines on SIGQUIT
// unless they are caught (and the kernel's rule that PID 1 ignores what it
// does not catch no longer applies once Go has installed its handlers).
// The other signals, which Go ignores until asked for them, are caught in
// the background once the child runs: asking Go's runtime for a signal is
// a round trip to its signal thread, and all sixty take 0.4 to 2.5 ms
// here, which every container would otherwise wait for. One of them sent
// in the child's first millisecond may be lost.
var urgent = []os.Signal{unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM}

// catchable lists every signal hull-init forwards, urgent ones included:
// all but the two no process can catch and three it leaves alone.
// SIGCHLD is left out because wait4 already learns of every exit; SIGURG
// because Go's scheduler sends it to its own threads to preempt
// goroutines, and a SIGURG caught here could be one of those, which the
// child must not get (SIGURG means "out-of-band data on a socket", which
// no one sends by kill). SIGPROF cannot be caught through os/signal.
func catchable() []os.Signal {
	var sigs []os.Signal
	for s := unix.Signal(1); s <= sigRTMax; s++ {
		switch s {
		case unix.SIGKILL, unix.SIGSTOP, unix.SIGCHLD, unix.SIGURG, unix.SIGPROF:
		default:
			sigs = append(sigs, s)
		}
	}
	return sigs
}

// sigRTMax is Linux's highest signal number (_NSIG - 1); the real-time
// signals from SIGRTMIN up to it are forwarded like the others.
const sigRTMax = unix.Signal(64)

// forwardAll passes each caught signal on until done is closed.
// It catches the signals that are not urgent first, while the child is
// already on its way.
func forwardAll(child int, group bool, sigs chan os.Signal, done <-chan struct{}) {
	signal.Notify(sigs, catchable()...)
	defer signal.Stop(sigs)
	for {
		select {
		case <-done:
			return
		case sig := <-sigs:
			s, ok := sig.(unix.Signal)
			if !ok || s == unix.SIGTTIN || s == unix.SIGTTOU {
				// The kernel sends these two to us, a background process
				// group, when we touch the terminal; they are about us, not
				// the child. Catching them keeps them from stopping us.
				continue
			}
			forward(child, s, group)
		}
	}
}

// forward sends sig to the child, or to its process group. A child that
// has just exited (ESRCH) is not an error: wait4 is about to report it.
func forward(child int, sig unix.Signal, group bool) {
	target := child
	if group {
		target = -child
	}
	_ = unix.Kill(target, sig)
}
