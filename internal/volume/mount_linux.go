package volume

import (
	"errors"
	"fmt"
	"os"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// mount mounts the device m describes on target, in the mount namespace of
// the calling process (the host's, for the hull command line).
func (m *mountSpec) mount(target string) error {
	flags := m.Flags
	data := m.Data
	if m.Bind() {
		// Flags other than bind and rec are ignored by a bind mount and
		// need a remount of it, as mount(8) does.
		flags, data = m.Flags&(unix.MS_BIND|unix.MS_REC), ""
	}
	if err := unix.Mount(m.Device, target, m.Type, flags, data); err != nil {
		return m.error(target, err)
	}
	if extra := m.Flags &^ (unix.MS_BIND | unix.MS_REC); m.Bind() && extra != 0 {
		if err := unix.Mount("", target, "", unix.MS_REMOUNT|unix.MS_BIND|extra, ""); err != nil {
			unix.Unmount(target, unix.MNT_DETACH)
			return m.error(target, err)
		}
	}
	for _, p := range m.Propagation {
		if err := unix.Mount("", target, "", p, ""); err != nil {
			unix.Unmount(target, unix.MNT_DETACH)
			return m.error(target, err)
		}
	}
	return nil
}

func (m *mountSpec) error(target string, err error) error {
	return fmt.Errorf("failed to mount local volume: mount %s:%s, type %q, flags 0x%x, data %q: %w",
		m.Device, target, m.Type, m.Flags, m.Data, err)
}

// mounted reports whether something is mounted on dir.
func mounted(dir string) (bool, error) {
	ok, err := mountinfo.Mounted(dir)
	if err != nil {
		return false, fmt.Errorf("checking mounts on %s: %w", dir, err)
	}
	return ok, nil
}

// unmount unmounts whatever is mounted on dir, every layer of it. A mount
// some other process keeps busy (a shell whose working directory is in
// it) is detached: no container uses the volume any more, and the device
// must not stay reachable through the store.
func unmount(dir string) error {
	for range 16 {
		ok, err := mounted(dir)
		if err != nil || !ok {
			return err
		}
		err = unix.Unmount(dir, 0)
		if errors.Is(err, unix.EBUSY) {
			err = unix.Unmount(dir, unix.MNT_DETACH)
		}
		if err != nil && !errors.Is(err, unix.EINVAL) {
			return &os.PathError{Op: "unmount", Path: dir, Err: err}
		}
	}
	return &os.PathError{Op: "unmount", Path: dir, Err: unix.EBUSY}
}

// mountsUnder lists the mount points at or below dir.
func mountsUnder(dir string) ([]string, error) {
	ms, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		return nil, fmt.Errorf("listing mounts under %s: %w", dir, err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Mountpoint)
	}
	return out, nil
}
