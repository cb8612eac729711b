package engine

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/atomicfile"
	"github.com/hullrt/hull/internal/errdefs"
)

// Container is the engine's record of one container, container.json in its
// directory. It changes only under the container's lock; what changes while
// the container runs (status, pid, exit code) is the monitor's state.json.
type Container struct {
	ID      string
	Name    string
	Created time.Time
	// Path and Args are the process the container runs, after the image's
	// entrypoint and cmd are merged with the request's (as inspect shows).
	Path string
	Args []string
	// Config and HostConfig are the request as Docker's API states it, with
	// the image's defaults filled in.
	Config     *container.Config
	HostConfig *container.HostConfig
	// Image is the image's ID ("sha256:...").
	Image string
	// Mounts are the resolved volumes, binds and tmpfs mounts.
	Mounts []Mount
	// Volumes are the named volumes this container holds a reference on.
	Volumes []string
	// Rootfs is true once the snapshot is prepared (create got that far).
	Rootfs bool
}

// autoRemove tells whether the container is removed when it exits (--rm):
// nothing of it is to outlive a crash or a reboot.
func (c *Container) autoRemove() bool { return c.HostConfig != nil && c.HostConfig.AutoRemove }

// validName is Docker's rule for container names.
var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

func (e *Engine) containersDir() string       { return filepath.Join(e.root, "containers") }
func (e *Engine) dir(id string) string        { return filepath.Join(e.containersDir(), id) }
func (e *Engine) namesDir() string            { return filepath.Join(e.containersDir(), "names") }
func (e *Engine) namePath(name string) string { return filepath.Join(e.namesDir(), name) }

// newID returns a random 64-hex container id whose first 12 characters are
// not all digits (Docker's rule, so a short id never reads as a number).
func newID() string {
	for {
		b := make([]byte, 32)
		rand.Read(b)
		id := hex.EncodeToString(b)
		if strings.Trim(id[:12], "0123456789") != "" {
			return id
		}
	}
}

// load reads the record of the container with exactly this id.
func (e *Engine) load(id string) (*Container, error) {
	b, err := os.ReadFile(filepath.Join(e.dir(id), "container.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no such container: %s: %w", id, errdefs.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	var c Container
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("reading container %s: %w", id, err)
	}
	return &c, nil
}

// save replaces the record atomically: a reader sees the old or the new one.
func (e *Engine) save(c *Container) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	write := atomicfile.Write
	if c.autoRemove() {
		// Nothing of a --rm container outlives a crash (see atomicfile).
		write = atomicfile.WriteVolatile
	}
	return write(filepath.Join(e.dir(c.ID), "container.json"), b, 0o600)
}

// Lookup finds a container by full id, name or unique id prefix, as every
// Docker command taking a container does.
func (e *Engine) Lookup(ref string) (*Container, error) {
	ref = strings.TrimPrefix(ref, "/")
	if ref == "" {
		return nil, fmt.Errorf("no such container: %q: %w", ref, errdefs.ErrNotFound)
	}
	if len(ref) == 64 {
		if c, err := e.load(ref); err == nil {
			return c, nil
		}
	}
	if id, err := os.Readlink(e.namePath(ref)); err == nil {
		if c, err := e.load(id); err == nil {
			return c, nil
		}
	}
	ids, err := e.ids()
	if err != nil {
		return nil, err
	}
	var found []string
	for _, id := range ids {
		if strings.HasPrefix(id, ref) {
			found = append(found, id)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no such container: %s: %w", ref, errdefs.ErrNotFound)
	case 1:
		return e.load(found[0])
	}
	return nil, fmt.Errorf("multiple containers found with provided prefix: %s: %w", ref, errdefs.ErrInvalidArgument)
}

// ids lists the container directories.
func (e *Engine) ids() ([]string, error) {
	ents, err := os.ReadDir(e.containersDir())
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, ent := range ents {
		// A --rm container's directory is a link into the exec root.
		if len(ent.Name()) == 64 && (ent.IsDir() || ent.Type() == fs.ModeSymlink) {
			ids = append(ids, ent.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// claimName makes name point at id, failing with a conflict when another
// live container has it. A name whose container is gone (a create killed
// half way) is taken over.
func (e *Engine) claimName(name, id string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed: %w", name, errdefs.ErrInvalidArgument)
	}
	p := e.namePath(name)
	for range 3 {
		err := os.Symlink(id, p)
		if err == nil || !errors.Is(err, os.ErrExist) {
			return err
		}
		other, rerr := os.Readlink(p)
		if rerr != nil {
			continue
		}
		// Only a container with a record holds a name: a create killed
		// before it saved one left nothing anybody could remove.
		if _, serr := os.Stat(filepath.Join(e.dir(other), "container.json")); serr == nil {
			return fmt.Errorf("the container name %q is already in use by container %q; remove (or rename) that container to reuse the name: %w", "/"+name, other, errdefs.ErrConflict)
		}
		os.Remove(p)
	}
	return fmt.Errorf("claiming name %q: %w", name, errdefs.ErrConflict)
}

// releaseName removes name if it still points at id.
func (e *Engine) releaseName(name, id string) {
	if other, err := os.Readlink(e.namePath(name)); err == nil && other == id {
		os.Remove(e.namePath(name))
	}
}

// lock takes the container's lock for one operation; the caller runs the
// returned function to release it.
func (e *Engine) lock(id string) (func(), error) {
	// The lock is the container's directory itself: one inode fewer to
	// make and delete per container than a lock file in it.
	f, err := os.Open(e.dir(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no such container: %s: %w", id, errdefs.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// lockedContainer looks the container up, takes its lock and reads its
// record again under it: another process may have changed it meanwhile.
func (e *Engine) lockedContainer(ref string) (*Container, func(), error) {
	c, err := e.Lookup(ref)
	if err != nil {
		return nil, nil, err
	}
	unlock, err := e.lock(c.ID)
	if err != nil {
		return nil, nil, err
	}
	if c, err = e.load(c.ID); err != nil {
		unlock()
		return nil, nil, err
	}
	return c, unlock, nil
}
