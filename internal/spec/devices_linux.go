package spec

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// errNotADevice: the path exists but is neither a character nor a block
// device.
var errNotADevice = errors.New("not a device node")

// deviceFromPath describes the device node at p (not following a final
// symlink), with its owner and permission bits, for linux.devices.
func deviceFromPath(p string) (specs.LinuxDevice, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return specs.LinuxDevice{}, err
	}
	var typ string
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		typ = "c"
	case unix.S_IFBLK:
		typ = "b"
	default:
		return specs.LinuxDevice{}, errNotADevice
	}
	mode := fs.FileMode(st.Mode &^ unix.S_IFMT)
	uid, gid := st.Uid, st.Gid
	return specs.LinuxDevice{
		Type: typ, Path: p,
		Major: int64(unix.Major(uint64(st.Rdev))), Minor: int64(unix.Minor(uint64(st.Rdev))),
		FileMode: &mode, UID: &uid, GID: &gid,
	}, nil
}

// devicesFor resolves one --device as Docker does: a symlink on the host is
// followed; a device node becomes one device; a directory gives every
// device node below it, at the same place below the container path. Each
// device gets a cgroup rule with the mapping's permissions ("rwm" if it
// has none). A mapping without a container path uses the host's.
func devicesFor(m DeviceMapping) ([]specs.LinuxDevice, []specs.LinuxDeviceCgroup, error) {
	if m.PathInContainer == "" {
		m.PathInContainer = m.PathOnHost
	}
	if !path.IsAbs(m.PathInContainer) {
		return nil, nil, invalid("%s is not an absolute path", m.PathInContainer)
	}
	if m.CgroupPermissions == "" {
		m.CgroupPermissions = "rwm"
	}
	src := m.PathOnHost
	if resolved, err := filepath.EvalSymlinks(src); err == nil {
		src = resolved
	}
	d, err := deviceFromPath(src)
	if err == nil {
		d.Path = m.PathInContainer
		return []specs.LinuxDevice{d}, []specs.LinuxDeviceCgroup{deviceRule(d, m.CgroupPermissions)}, nil
	}
	var devs []specs.LinuxDevice
	var rules []specs.LinuxDeviceCgroup
	if errors.Is(err, errNotADevice) {
		filepath.WalkDir(src, func(p string, _ fs.DirEntry, _ error) error {
			child, err := deviceFromPath(p)
			if err != nil {
				return nil
			}
			child.Path = filepath.Join(m.PathInContainer, strings.TrimPrefix(p, src))
			devs = append(devs, child)
			rules = append(rules, deviceRule(child, m.CgroupPermissions))
			return nil
		})
	}
	if len(devs) == 0 {
		return nil, nil, invalid("error gathering device information while adding custom device %q: %v", m.PathOnHost, err)
	}
	return devs, rules, nil
}

func deviceRule(d specs.LinuxDevice, access string) specs.LinuxDeviceCgroup {
	major, minor := d.Major, d.Minor
	return specs.LinuxDeviceCgroup{Allow: true, Type: d.Type, Major: &major, Minor: &minor, Access: access}
}

// skippedHostDevices are the parts of the host's /dev a privileged
// container does not get as devices: its own pts, shm and mqueue mounts,
// and the host's console.
var skippedHostDevices = map[string]bool{
	"/dev/pts": true, "/dev/shm": true, "/dev/fd": true, "/dev/mqueue": true,
	"/dev/.lxc": true, "/dev/.lxd-mounts": true, "/dev/.udev": true, "/dev/console": true,
}

// hostDevices lists every device node under the host's /dev, which a
// privileged container gets, as Docker gives them.
func hostDevices() ([]specs.LinuxDevice, error) {
	var devs []specs.LinuxDevice
	err := filepath.WalkDir("/dev", func(p string, e fs.DirEntry, err error) error {
		if skippedHostDevices[p] {
			if e != nil && e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if err != nil || e.IsDir() {
			return nil
		}
		if d, err := deviceFromPath(p); err == nil {
			devs = append(devs, d)
		}
		return nil
	})
	if err != nil {
		return nil, &os.PathError{Op: "walk", Path: "/dev", Err: err}
	}
	return devs, nil
}
