package build

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/snapshot"
)

// work is one step's temporary things, all named by its id, so that a
// sweep can find every one of them from the directory alone:
//
//	DIR/work/ID/lock    flocked while the build lives
//	DIR/work/ID/rootfs  the step's snapshot "build-ID", mounted
//	DIR/work/ID/from    a COPY --from source, the view "build-from-ID"
//	runtime container   "hull-build-ID" (RUN)
type work struct {
	b    *Builder
	id   string
	dir  string
	lock *os.File
}

func (w *work) snapshotKey() string { return "build-" + w.id }
func (w *work) fromKey() string     { return "build-from-" + w.id }
func (w *work) containerID() string { return "hull-build-" + w.id }
func (w *work) rootfs() string      { return filepath.Join(w.dir, "rootfs") }
func (w *work) fromDir() string     { return filepath.Join(w.dir, "from") }

// newWork makes a work directory and takes its lock.
func (b *Builder) newWork() (*work, error) {
	buf := make([]byte, 16)
	rand.Read(buf)
	id := hex.EncodeToString(buf)
	// The directory appears under its name with its lock already held,
	// so a sweep never sees it unlocked while this build lives.
	staging := filepath.Join(b.dir, "work", ".new-"+id)
	dir := filepath.Join(b.dir, "work", id)
	if err := os.Mkdir(staging, 0o700); err != nil {
		return nil, fmt.Errorf("creating work directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(staging, "lock"), os.O_CREATE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err == nil {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	}
	if err == nil {
		err = os.Rename(staging, dir)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(staging)
		return nil, fmt.Errorf("creating work directory: %w", err)
	}
	return &work{b: b, id: id, dir: dir, lock: f}, nil
}

// prepare makes the step's writable snapshot on parent and mounts it. The
// snapshot is volatile: if hull dies, the sweep removes it anyway.
func (w *work) prepare(ctx context.Context, parent string) error {
	ms, err := w.b.images.Snapshots().Prepare(ctx, w.snapshotKey(), parent, snapshot.WithVolatile())
	if err != nil {
		return err
	}
	return mountOn(ms, w.rootfs(), true)
}

// viewFrom mounts chain read-only at fromDir, for COPY --from.
func (w *work) viewFrom(ctx context.Context, chain string) (string, error) {
	if chain == "" {
		// scratch: an empty tree.
		return w.fromDir(), os.MkdirAll(w.fromDir(), 0o755)
	}
	ms, err := w.b.images.Snapshots().View(ctx, w.fromKey(), chain, snapshot.WithVolatile())
	if err != nil {
		return "", err
	}
	return w.fromDir(), mountOn(ms, w.fromDir(), false)
}

func mountOn(ms []specs.Mount, target string, volatile bool) error {
	if err := os.MkdirAll(target, 0o755); err != nil {
		return err
	}
	if volatile {
		// The layer is diffed into a blob before the step ends; the
		// snapshot's own files need not reach the disk first (see
		// docs/build.md).
		for i := range ms {
			if ms[i].Type == "overlay" {
				ms[i].Options = append(ms[i].Options, "volatile")
			}
		}
	}
	return snapshot.Mount(ms, target)
}

// unmount takes the step's mounts down, before its snapshot is committed.
func (w *work) unmount() error {
	return errors.Join(snapshot.Unmount(w.rootfs()), snapshot.Unmount(w.fromDir()))
}

// close undoes whatever of the step is left and removes the directory;
// after a successful step only the directory is.
func (w *work) close(ctx context.Context) error {
	err := w.b.undo(ctx, w.id, w.dir)
	w.lock.Close()
	return err
}

// undo removes the runtime container, mounts and snapshots a work
// directory names, then the directory.
func (b *Builder) undo(ctx context.Context, id, dir string) error {
	w := &work{b: b, id: id, dir: dir}
	var errs []error
	if c, err := b.runtime.Load(w.containerID()); err == nil {
		errs = append(errs, c.Delete(true))
	} else if _, serr := os.Stat(filepath.Join(b.runtime.Root, w.containerID())); serr == nil {
		// A build killed inside Create leaves a state directory the
		// runtime cannot load and an init blocked in its cgroup.
		errs = append(errs, killCgroup(w.id), os.RemoveAll(filepath.Join(b.runtime.Root, w.containerID())))
	}
	errs = append(errs, w.unmount())
	sn := b.images.Snapshots()
	for _, key := range []string{w.snapshotKey(), w.fromKey()} {
		if sn.Exists(ctx, key) {
			errs = append(errs, sn.Remove(ctx, key))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err // keep the directory: the next sweep tries again
	}
	return os.RemoveAll(dir)
}

// killCgroup kills every process in a step container's cgroup, waits for
// them to go and removes the cgroup.
func killCgroup(id string) error {
	cg, err := cgroups.New(path.Join(cgroupParent, id), id)
	if err != nil {
		return err
	}
	if err := cg.Kill(unix.SIGKILL); err != nil {
		return err
	}
	for i := 0; i < 400; i++ {
		if pids, err := cg.Pids(); err != nil || len(pids) == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cg.Destroy()
}

// sweep removes what builds killed with SIGKILL left: work directories
// and unpacked contexts whose lock nobody holds. Errors are left for the
// next sweep.
func (b *Builder) sweep(ctx context.Context) int {
	sweepContexts(b.TempDir())
	root := filepath.Join(b.dir, "work")
	ents, err := os.ReadDir(root)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		dir := filepath.Join(root, e.Name())
		f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			// A staging directory being made, or one a build killed
			// before it held the lock: only the latter is old.
			if info, serr := os.Stat(dir); serr == nil && time.Since(info.ModTime()) > time.Minute {
				os.RemoveAll(dir)
			}
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			if b.undo(ctx, e.Name(), dir) == nil {
				n++
			}
		}
		f.Close()
	}
	return n
}
