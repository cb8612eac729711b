package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Acquire records that container id uses the volume and returns the host
// directory to bind-mount into it. A volume with a device (options) gets
// it mounted on that directory first, if it is not mounted already.
//
// Acquire is idempotent: calling it again for the same container adds
// nothing, and is how a container's start makes sure the device is
// mounted after a reboot unmounted it while references stayed on disk.
func (s *Store) Acquire(name, containerID string) (hostPath string, err error) {
	if err := checkContainerID(containerID); err != nil {
		return "", err
	}
	l, err := s.lock(name)
	if err != nil {
		return "", err
	}
	defer l.unlock()
	ref := filepath.Join(l.dir(), refsDir, containerID)
	fd, err := unix.Open(ref, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	added := err == nil
	if added {
		unix.Close(fd)
	} else if !errors.Is(err, unix.EEXIST) {
		return "", fmt.Errorf("volume %s: recording user %s: %w", name, containerID, err)
	}
	if err := l.ensureMounted(); err != nil {
		if added {
			os.Remove(ref)
		}
		return "", fmt.Errorf("error while mounting volume %s: %w", name, err)
	}
	return l.data(), nil
}

// ensureMounted mounts a device volume's device on _data unless it is.
// A fresh mount of a tmpfs is empty, so the volume forgets it was filled.
func (l *locked) ensureMounted() error {
	m, err := mountSpecOf(l.rec.Options)
	if m == nil || err != nil {
		return err
	}
	if ok, err := mounted(l.data()); ok || err != nil {
		return err
	}
	if m.ephemeral() {
		if err := l.forgetFilled(); err != nil {
			return err
		}
	}
	return m.mount(l.data())
}

// Release drops container id's use of the volume; the last release
// unmounts a device volume. Releasing what is not held, or a volume that
// no longer exists, does nothing.
func (s *Store) Release(name, containerID string) error {
	if err := checkContainerID(containerID); err != nil {
		return err
	}
	l, err := s.lock(name)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer l.unlock()
	err = os.Remove(filepath.Join(l.dir(), refsDir, containerID))
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("volume %s: dropping user %s: %w", name, containerID, err)
	}
	users, err := l.users()
	if err != nil || len(users) > 0 {
		return err
	}
	if err := l.unmountDevice(); err != nil {
		return fmt.Errorf("volume %s: %w", name, err)
	}
	return nil
}

// unmountDevice unmounts a device volume's device from _data. A plain
// volume has nothing of its own mounted, and what others mounted there is
// theirs.
func (l *locked) unmountDevice() error {
	if m, _ := mountSpecOf(l.rec.Options); m == nil {
		return nil
	}
	return unmount(l.data())
}

// Users lists the ids of the containers that hold the volume, sorted.
func (s *Store) Users(name string) ([]string, error) {
	if !validName(name) {
		return nil, notFound(name)
	}
	if _, err := readRecord(s.dir(name)); err != nil {
		return nil, err
	}
	return readUsers(s.dir(name))
}

func (l *locked) users() ([]string, error) { return readUsers(l.dir()) }

func readUsers(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, refsDir))
	if os.IsNotExist(err) {
		return nil, notFound(filepath.Base(dir))
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ids, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("listing users of volume %s: %w", filepath.Base(dir), err)
	}
	slices.Sort(ids)
	return ids, nil
}
