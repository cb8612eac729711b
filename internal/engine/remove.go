package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/monitor"
	"github.com/hullrt/hull/internal/runtime"
	"github.com/hullrt/hull/internal/snapshot"
	"github.com/hullrt/hull/internal/trash"
)

// RemoveOptions tune Remove.
type RemoveOptions struct {
	// Force kills a running container first.
	Force bool
	// Volumes removes the container's anonymous volumes too (rm -v).
	Volumes bool
	// Deferred leaves deleting the container's directory and snapshot to
	// its monitor, which empties the trash (TrashDirs) once it sees the
	// container gone (monitor.Config.Trash): `hull run --rm` returns when
	// the container is removed, not when its files are. Without it, Remove
	// empties the trash itself, of what monitors killed early left in it.
	Deferred bool
}

// Remove deletes a container and everything it owns: the runtime container
// if one is left (its monitor was killed), the root filesystem mount and
// snapshot, its references on volumes, its name and its directory.
func (e *Engine) Remove(ctx context.Context, ref string, opts RemoveOptions) error {
	c, err := e.Lookup(ref)
	if err != nil {
		return err
	}
	st := e.status(c)
	if st.Running || st.Restarting {
		if !opts.Force {
			state := "running"
			if st.Paused {
				state = "paused"
			}
			return fmt.Errorf("cannot remove container %q: container is %s: stop the container before removing or force remove: %w", "/"+c.Name, state, errdefs.ErrConflict)
		}
		monitor.MarkStopping(e.dir(c.ID))
		if st.Paused {
			if rc, err := e.runtime.Load(c.ID); err == nil {
				rc.Resume()
			}
		}
		e.signal(c, unix.SIGKILL, true)
		e.waitExit(ctx, c, -1)
	}
	unlock, err := e.lock(c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	if c, err = e.load(c.ID); err != nil {
		return err // removed meanwhile by another process
	}
	if err := e.cleanup(ctx, c, opts.Deferred); err != nil {
		return err
	}
	e.releaseMounts(c.ID, c.Mounts, opts.Volumes)
	e.releaseName(c.Name, c.ID)
	if err := e.removeDir(c, opts.Deferred); err != nil {
		return err
	}
	e.emit(c, "destroy", nil)
	return nil
}

// removeDir deletes the container's directory (and, for a --rm container,
// the link to it and its log) or, deferred, puts them in the trash:
// either way the container is gone for every hull process.
func (e *Engine) removeDir(c *Container, deferred bool) error {
	dir, trashDir := e.dir(c.ID), e.trashDir()
	if real, err := os.Readlink(dir); err == nil {
		// A --rm container's (see makeDir): the link goes first, and
		// with it the container; its log is in ROOT/logs (see logPath).
		if err := os.Remove(dir); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing container %s: %w", c.ID, err)
		}
		dir, trashDir = real, e.execTrashDir()
		logs, _ := filepath.Glob(filepath.Join(e.logsDir(), c.ID+"-json.log*"))
		for _, l := range logs {
			if deferred {
				trash.Put(l, e.trashDir(), filepath.Base(l))
			} else {
				os.Remove(l)
			}
		}
	}
	if deferred {
		if err := trash.Put(dir, trashDir, c.ID); err != nil {
			return fmt.Errorf("removing container %s: %w", c.ID, err)
		}
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing container %s: %w", c.ID, err)
	}
	e.EmptyTrash()
	return nil
}

// trashDir holds the directories of removed containers that are still to
// be deleted (see RemoveOptions.Deferred); execTrashDir those of --rm
// containers, which are in the exec root (see makeDir).
func (e *Engine) trashDir() string     { return filepath.Join(e.root, "trash") }
func (e *Engine) execTrashDir() string { return filepath.Join(e.execRoot, "trash") }

// TrashDirs are the directories whose entries are removed containers'
// files, for whoever empties them: every entry may be deleted at any time.
func (e *Engine) TrashDirs() []string {
	dirs := []string{e.trashDir(), e.execTrashDir()}
	if e.images != nil {
		dirs = append(dirs, e.images.TrashDir())
	}
	return dirs
}

// EmptyTrash deletes what deferred removals left (see
// RemoveOptions.Deferred). It is safe beside other processes emptying it.
func (e *Engine) EmptyTrash() error {
	var errs []error
	for _, d := range e.TrashDirs() {
		errs = append(errs, trash.Empty(d))
	}
	return errors.Join(errs...)
}

// cleanup undoes what running the container left: its network namespace,
// interfaces, addresses and port rules, the rootfs mount and snapshot, and
// a runtime container if one is left. That comes last: the monitor deletes
// the runtime container itself once the container exits, at the same time
// as `hull run --rm` gets here, and by now it normally has; only a monitor
// that died leaves one.
func (e *Engine) cleanup(ctx context.Context, c *Container, deferred bool) error {
	if err := e.releaseNetworks(ctx, c); err != nil {
		return err
	}
	if err := e.unmountShm(c.ID); err != nil {
		return fmt.Errorf("unmounting the shareable /dev/shm: %w", err)
	}
	if err := snapshot.Unmount(filepath.Join(e.dir(c.ID), "rootfs")); err != nil {
		return fmt.Errorf("unmounting the root filesystem: %w", err)
	}
	if c.Rootfs {
		remove := e.images.RemoveRootfs
		if deferred {
			remove = e.images.DiscardRootfs
		}
		if err := remove(ctx, c.ID); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("removing the root filesystem: %w", err)
		}
	}
	// Normally the monitor has deleted the runtime container, or is
	// deleting it: RemoveInterrupted waits for its lock and finds it gone
	// without reading its state (11 KB, the spec, costly to decode cold).
	// It also removes what a monitor killed in the middle of the
	// runtime's create left: cgroups and a directory, with no state.
	err := e.runtime.RemoveInterrupted(c.ID)
	if !errors.Is(err, runtime.ErrCreated) {
		if err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("removing runtime container %s: %w", c.ID, err)
		}
		return nil
	}
	// A whole runtime container is left: its monitor died.
	rc, err := e.runtime.Load(c.ID)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := rc.Delete(true); err != nil {
		// The monitor may have deleted it meanwhile; only a runtime
		// container that is still there is a failure.
		if _, lerr := e.runtime.Load(c.ID); lerr == nil || !errdefs.IsNotFound(lerr) {
			return fmt.Errorf("deleting runtime container %s: %w", c.ID, err)
		}
	}
	return nil
}
