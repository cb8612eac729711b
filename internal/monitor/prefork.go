package monitor

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Pending is a monitor started before its container exists, waiting to be
// told which one to start. `hull run` starts one first thing, so that the
// monitor's process start (an exec, Go's runtime, its setup: about 3 ms)
// overlaps with creating the container instead of following it.
type Pending struct {
	pid   int
	ready *os.File // our end of the monitor's fd 3
	att   *os.File // our end of the attachment, with attach
	dir   string   // the container's, once Prepare gave it
}

// Prefork starts a monitor that waits for Start. Abandon it if it is not
// used: the monitor then exits (also when the caller dies).
func Prefork(binary string, attach bool) (*Pending, error) {
	return launch(binary, "", attach)
}

// launch starts binary with the ready socket at fd 3 and, with attach, the
// monitor's end of the attachment at fd 4, for the container in dir, or
// with dir "" for the one Pending.Start will name. The process it starts
// forks the monitor and exits at once (see package preamble).
func launch(binary, dir string, attach bool) (*Pending, error) {
	ready, readyChild, err := socketpair()
	if err != nil {
		return nil, err
	}
	files := []*os.File{nil, nil, nil, readyChild}
	p := &Pending{ready: ready}
	arg := dir
	if dir == "" {
		arg = pendingDir
	}
	args := []string{binary, "run", arg}
	if attach {
		var attChild *os.File
		if p.att, attChild, err = socketpair(); err != nil {
			readyChild.Close()
			ready.Close()
			return nil, err
		}
		files = append(files, attChild)
		args = []string{binary, "run", "--attach", arg}
	}
	p.pid, err = forkMonitor(binary, args, dir, files)
	for _, f := range files[3:] {
		f.Close()
	}
	if err != nil {
		p.Abandon()
		return nil, err
	}
	return p, nil
}

// pendingDir stands for the directory in a pending monitor's arguments:
// it reads the real one from fd 3.
const pendingDir = "-"

// Prepare hands the pending monitor the container cfg describes, whose
// bundle need not be ready yet: the monitor reads its config, opens the
// logs and the attach socket while the caller makes the bundle, and
// starts the container when Start tells it to. Once that work is done
// ahead, it is no longer on the way from a ready bundle to a running
// container (about 1 ms of a `hull run`).
func (p *Pending) Prepare(cfg Config) error {
	if p.ready == nil {
		return fmt.Errorf("starting monitor: already used: %w", errdefs.ErrInvalidArgument)
	}
	if err := prepareStart(cfg); err != nil {
		p.Abandon()
		return err
	}
	if _, err := p.ready.Write([]byte(cfg.Dir + "\n")); err != nil {
		p.Abandon()
		return fmt.Errorf("starting monitor: %w", err)
	}
	p.dir = cfg.Dir
	return nil
}

// Start has the monitor Prepare gave a container start it, and returns as
// the package's Start does. The Pending is used up either way.
func (p *Pending) Start() (*Attachment, error) {
	if p.dir == "" {
		p.Abandon()
		return nil, fmt.Errorf("starting monitor: no container prepared: %w", errdefs.ErrInvalidArgument)
	}
	ready, att, pid := p.take()
	defer ready.Close()
	if _, err := ready.Write([]byte(startLine)); err != nil {
		closeFile(att)
		unix.Wait4(pid, nil, unix.WNOHANG, nil)
		return nil, fmt.Errorf("starting monitor: %w", err)
	}
	att2, err := finishSpawn(ready, att, pid, p.dir)
	if err != nil {
		os.Remove(filepath.Join(p.dir, configFile))
	}
	return att2, err
}

// startLine is what Start sends a prepared monitor.
const startLine = "start\n"

// Abandon lets the pending monitor go, unless Start used it: the monitor
// reads the end of its socket and exits.
func (p *Pending) Abandon() {
	ready, att, pid := p.take()
	closeFile(ready)
	closeFile(att)
	if pid > 0 {
		unix.Wait4(pid, nil, unix.WNOHANG, nil)
	}
}

// take hands over what p holds, leaving it used up.
func (p *Pending) take() (ready, att *os.File, pid int) {
	ready, att, pid = p.ready, p.att, p.pid
	p.ready, p.att, p.pid = nil, nil, 0
	return ready, att, pid
}

// awaitDir is a pending monitor's wait for its directory, sent by Prepare
// on r (fd 3). Once it has it, its stderr goes to its log there.
func awaitDir(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("no container given: %w", err)
	}
	dir := strings.TrimSuffix(line, "\n")
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("container directory %q is not absolute", dir)
	}
	logf, err := os.OpenFile(filepath.Join(dir, logFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return "", err
	}
	defer logf.Close()
	return dir, unix.Dup3(int(logf.Fd()), 2, 0)
}

// awaitStart is a prepared monitor's wait for Start, on r (fd 3).
func awaitStart(r *bufio.Reader) error {
	line, err := r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("not started: %w", err)
	}
	if line != startLine {
		return fmt.Errorf("unexpected %q on the ready socket", line)
	}
	return nil
}
