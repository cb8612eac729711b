package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/types/container"

	"github.com/hullrt/hull/internal/atomicfile"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/logs"
	"github.com/hullrt/hull/internal/monitor"
	"github.com/hullrt/hull/internal/snapshot"
)

// ExitError is a failure that Docker reports with a particular exit status:
// 126 when the container's command cannot be invoked, 127 when it is not
// found.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// StartOptions tune Start.
type StartOptions struct {
	// Attach returns an attachment connected before the container's
	// process starts, so the caller sees all its output.
	Attach bool
	// Removes says the caller, attached, removes the container once it
	// exits (`hull run --rm`): its monitor leaves the removal to it.
	Removes bool
	// Monitor, when set, is a monitor started ahead with the same Attach
	// (PreforkMonitor) that the container is handed to. Start uses it up
	// if it gets that far; the caller abandons it in any case.
	Monitor *monitor.Pending
}

// PreforkMonitor starts a monitor ahead of the container it is to watch,
// so that its start overlaps with the caller's creating the container (see
// monitor.Prefork); pass it to Start in StartOptions.Monitor.
func (e *Engine) PreforkMonitor(attach bool) (*monitor.Pending, error) {
	return monitor.Prefork(e.bins.monitor, attach)
}

// Start runs a created or stopped container: it mounts the root filesystem,
// fills new volumes from the image, writes the bundle and hands the
// container to a new monitor. Starting a running container does nothing.
func (e *Engine) Start(ctx context.Context, ref string, opts StartOptions) (*monitor.Attachment, error) {
	c, unlock, err := e.lockedContainer(ref)
	if err != nil {
		return nil, err
	}
	defer unlock()
	switch st := e.status(c); st.Status {
	case container.StateRunning, container.StateRestarting:
		return nil, nil
	case container.StatePaused:
		return nil, fmt.Errorf("cannot start a paused container, try unpause instead: %w", errdefs.ErrConflict)
	}
	cfg := e.monitorConfig(c)
	cfg.FirstClientRemoves = opts.Attach && opts.Removes
	if opts.Monitor != nil {
		// The monitor sets itself up while the bundle is made.
		if err := opts.Monitor.Prepare(cfg); err != nil {
			return nil, startError(c, err)
		}
	}
	if err := e.prepareBundle(ctx, c); err != nil {
		e.detachNetworks(ctx, c)
		return nil, err
	}
	var att *monitor.Attachment
	if opts.Monitor != nil {
		att, err = opts.Monitor.Start()
	} else {
		att, err = monitor.Start(e.bins.monitor, cfg, opts.Attach)
	}
	if err != nil {
		e.detachNetworks(ctx, c)
		return nil, startError(c, err)
	}
	e.emit(c, "start", nil)
	return att, nil
}

// prepareBundle makes the container's directory an OCI bundle: the rootfs
// mounted at rootfs/, the volumes filled, the network namespace attached,
// config.json written.
func (e *Engine) prepareBundle(ctx context.Context, c *Container) error {
	rootfs := filepath.Join(e.dir(c.ID), "rootfs")
	if err := e.mountRootfs(ctx, c, rootfs); err != nil {
		return err
	}
	if err := e.mountShm(c); err != nil {
		return err
	}
	for _, m := range c.Mounts {
		if m.Type != "volume" {
			continue
		}
		// Acquire again: a volume with a device (tmpfs, bind) is mounted
		// on first use, and a reboot has unmounted it since create.
		if _, err := e.volumes.Acquire(m.Name, c.ID); err != nil {
			return err
		}
		if !m.NoCopy {
			if err := e.volumes.PopulateIn(m.Name, rootfs, m.Destination); err != nil {
				return fmt.Errorf("filling volume %s from the image: %w", m.Name, err)
			}
		}
	}
	// The network namespace is made and attached before the spec, which
	// joins it by path and whose /etc/hosts names the addresses it got.
	netns, err := e.attachNetworks(ctx, c)
	if err != nil {
		return err
	}
	s, err := e.generateSpec(c, rootfs, netns)
	if err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(e.dir(c.ID), "config.json"), b, 0o600)
}

// mountRootfs mounts the container's snapshot on target unless it is there
// already (a restart after stop).
func (e *Engine) mountRootfs(ctx context.Context, c *Container, target string) error {
	if mounted(target) {
		return nil
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return err
	}
	ms, err := e.images.Mounts(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("root filesystem of %s: %w", c.ID, err)
	}
	if c.HostConfig.AutoRemove {
		// Nothing of a --rm container outlives it, so its writes need not
		// reach the disk: a volatile overlay skips the syncs, and unmounting
		// it no longer flushes the host's filesystem (0.4 ms to tens of ms
		// here, as podman found for its --rm containers).
		for i := range ms {
			if ms[i].Type == "overlay" {
				ms[i].Options = append(ms[i].Options, "volatile")
			}
		}
	}
	return snapshot.Mount(ms, target)
}

// monitorConfig is what the container's monitor needs to know.
func (e *Engine) monitorConfig(c *Container) monitor.Config {
	hc := c.HostConfig
	cfg := monitor.Config{
		ID: c.ID, Name: c.Name, Image: c.Config.Image,
		Bundle: e.dir(c.ID), RuntimeRoot: e.runtime.Root, Dir: e.dir(c.ID),
		Tty: c.Config.Tty, OpenStdin: c.Config.OpenStdin, StdinOnce: c.Config.StdinOnce,
		ConsoleSize: [2]uint16{uint16(hc.ConsoleSize[0]), uint16(hc.ConsoleSize[1])},
		Restart:     monitor.RestartPolicy{Name: string(hc.RestartPolicy.Name), MaxRetries: hc.RestartPolicy.MaximumRetryCount},
		Events:      e.eventsPath(),
		Volatile:    hc.AutoRemove,
	}
	if hc.LogConfig.Type != "none" {
		cfg.Log = logs.Config{Path: e.logPath(c)}
		cfg.Log.MaxSize, cfg.Log.MaxFiles = logLimits(hc.LogConfig.Config)
	}
	if hc.AutoRemove {
		// Also when attached: if the attached CLI dies before removing
		// it, nobody else would. One that removes it (`hull run --rm`,
		// StartOptions.Removes) is given the time to, and this runs only
		// if it did not.
		cfg.OnExit = []string{e.bins.hull, "--root", e.root, "--exec-root", e.execRoot, "rm", "-f", "-v", c.ID}
		cfg.Trash = e.TrashDirs()
	} else if networked(hc) {
		// A container that stopped for good gives its addresses and host
		// ports back, as Docker's do; its next start attaches anew.
		cfg.OnExit = []string{e.bins.hull, "--root", e.root, "--exec-root", e.execRoot, "network", "release", c.ID}
	}
	return cfg
}

// logPath is the container's json-file log: in its directory, or for a
// --rm container, whose directory is in the exec root (see makeDir), in
// ROOT/logs, so that a long-lived one's output fills a disk, not memory.
func (e *Engine) logPath(c *Container) string {
	if c.autoRemove() {
		return filepath.Join(e.logsDir(), c.ID+"-json.log")
	}
	return filepath.Join(e.dir(c.ID), c.ID+"-json.log")
}

func (e *Engine) logsDir() string { return filepath.Join(e.root, "logs") }

// execError gives a failed exec Docker's exit status, as startError does.
func execError(err error) error {
	var ee *ExitError
	if errors.As(startError(&Container{}, err), &ee) {
		return &ExitError{Code: ee.Code, Err: fmt.Errorf("exec failed: %w", err)}
	}
	return fmt.Errorf("exec failed: %w", err)
}

// startError gives a failed start Docker's exit status: 127 when the
// command is not found, 126 when it cannot be run.
func startError(c *Container, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "no such file or directory"), strings.Contains(msg, "executable file not found"):
		return &ExitError{Code: 127, Err: fmt.Errorf("failed to start %s: %w", c.Name, err)}
	case strings.Contains(msg, "permission denied"), strings.Contains(msg, "is a directory"):
		return &ExitError{Code: 126, Err: fmt.Errorf("failed to start %s: %w", c.Name, err)}
	}
	return fmt.Errorf("failed to start %s: %w", c.Name, err)
}

var errNotRunning = errors.New("is not running")
