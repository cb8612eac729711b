package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/errdefs"
)

// creatingFile records, while a create runs, the cgroup directories it is
// about to make; the state file replaces it as the record once saved.
const creatingFile = "creating.json"

type creating struct {
	CgroupPaths map[string]string `json:"cgroupPaths"`
}

func writeCreating(dir string, paths map[string]string) error {
	data, err := json.Marshal(creating{CgroupPaths: paths})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, creatingFile), data, 0o600); err != nil {
		return fmt.Errorf("recording the create: %w", err)
	}
	return nil
}

// ErrCreated is RemoveInterrupted's answer for a container that has a
// state: not an interrupted create's leftover.
var ErrCreated = errors.New("container was created")

// RemoveInterrupted removes what a create that was killed before it saved
// the container's state left under id: the processes in its cgroups, the
// cgroup directories and the state directory. Such a container has no
// state, so Load does not find it and Delete cannot remove it. It takes
// the container's lock first, so it waits for a create or a Delete of id
// that another process is running, and then finds their result. It returns
// errdefs.ErrNotFound when id is no such leftover: no directory (never
// made, or deleted meanwhile), or, wrapping ErrCreated too, a container
// with a state, for Delete to remove.
func (r *Runtime) RemoveInterrupted(id string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	dir := r.dir(id)
	notFound := fmt.Errorf("container %q does not exist: %w", id, errdefs.ErrNotFound)
	fd, err := lockDir(dir)
	if errors.Is(err, unix.ENOENT) {
		return notFound
	}
	if err != nil {
		return fmt.Errorf("locking container %q: %w", id, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Nlink == 0 {
		return notFound // removed while we waited for the lock
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err == nil {
		return fmt.Errorf("container %q: %w: %w", id, ErrCreated, errdefs.ErrNotFound)
	}
	data, err := os.ReadFile(filepath.Join(dir, creatingFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var rec creating
	if len(data) > 0 && json.Unmarshal(data, &rec) == nil && len(rec.CgroupPaths) > 0 {
		if m, err := cgroups.Load(rec.CgroupPaths); err == nil {
			if pids, err := m.Pids(); err == nil && len(pids) > 0 {
				m.Kill(unix.SIGKILL)
			}
			if err := m.Destroy(); err != nil {
				return fmt.Errorf("removing the cgroup of interrupted create %q: %w", id, err)
			}
		}
	}
	return os.RemoveAll(dir)
}
