package rootfs

import (
	"fmt"
	"path"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Config says what to build and how the calling process was set up. The
// same Config is passed to Prepare, Pivot and Finalize.
type Config struct {
	// Spec is the container's configuration (the bundle's config.json).
	Spec *specs.Spec
	// Rootfs is the absolute host path of the container's root filesystem:
	// spec.Root.Path already resolved against the bundle.
	Rootfs string
	// NoPivot makes Pivot move the rootfs onto "/" and chroot into it
	// instead of calling pivot_root(2), for roots that cannot be pivoted
	// away from (a ramfs or initramfs root).
	NoPivot bool
	// UserNS is true when the process is in a new user namespace: device
	// nodes are then bind-mounted from the host, since mknod(2) is refused,
	// and remounts keep the flags the kernel locked on inherited mounts.
	UserNS bool
	// CgroupNS is true when the process is in a new cgroup namespace: cgroup
	// hierarchies are then mounted afresh; otherwise the container's own
	// cgroup directories are bind-mounted from the host.
	CgroupNS bool
	// Console is the host path of the pty slave to bind onto /dev/console
	// (process.terminal is true); "" when there is none.
	Console string
}

// validate checks what every stage relies on.
func (c *Config) validate() error {
	if c == nil || c.Spec == nil {
		return fmt.Errorf("rootfs: no spec: %w", errdefs.ErrInvalidArgument)
	}
	if !path.IsAbs(c.Rootfs) || path.Clean(c.Rootfs) != c.Rootfs || c.Rootfs == "/" {
		return fmt.Errorf("rootfs %q: must be an absolute, clean path other than /: %w",
			c.Rootfs, errdefs.ErrInvalidArgument)
	}
	for i := range c.Spec.Mounts {
		m := &c.Spec.Mounts[i]
		if m.Destination == "" {
			return fmt.Errorf("mounts[%d]: empty destination: %w", i, errdefs.ErrInvalidArgument)
		}
		if strings.IndexByte(m.Destination+m.Source+m.Type, 0) >= 0 {
			return fmt.Errorf("mounts[%d]: NUL byte in a field: %w", i, errdefs.ErrInvalidArgument)
		}
	}
	return nil
}

// linux returns spec.Linux, or an empty section when there is none.
func (c *Config) linux() *specs.Linux {
	if c.Spec.Linux == nil {
		return &specs.Linux{}
	}
	return c.Spec.Linux
}

// newNetNS reports whether the container gets a network namespace of its
// own (one listed without a path to join).
func (c *Config) newNetNS() bool {
	for _, ns := range c.linux().Namespaces {
		if ns.Type == specs.NetworkNamespace && ns.Path == "" {
			return true
		}
	}
	return false
}

// rootPropagation returns the propagation flags for linux.rootfsPropagation,
// 0 when it is unset.
func (c *Config) rootPropagation() (uintptr, error) {
	p := c.linux().RootfsPropagation
	switch p {
	case "":
		return 0, nil
	case "private":
		return unix.MS_PRIVATE, nil
	case "rprivate":
		return unix.MS_PRIVATE | unix.MS_REC, nil
	case "slave":
		return unix.MS_SLAVE, nil
	case "rslave":
		return unix.MS_SLAVE | unix.MS_REC, nil
	case "shared":
		return unix.MS_SHARED, nil
	case "rshared":
		return unix.MS_SHARED | unix.MS_REC, nil
	case "unbindable":
		return unix.MS_UNBINDABLE, nil
	case "runbindable":
		return unix.MS_UNBINDABLE | unix.MS_REC, nil
	}
	return 0, fmt.Errorf("linux.rootfsPropagation %q: %w", p, errdefs.ErrInvalidArgument)
}

// cleanDest returns a mount or device destination as a clean absolute path
// inside the container. The runtime-spec deprecates relative destinations
// but says they MUST be read as relative to "/", and runc accepts them with
// a warning, so they are accepted here too.
func cleanDest(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return path.Clean(p)
}
