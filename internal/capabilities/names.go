package capabilities

import (
	"fmt"
	"math/bits"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Cap is one capability, numbered as the kernel numbers them (CAP_CHOWN is 0).
type Cap int

// names holds every capability this build knows, indexed by number. The
// numbers come from the kernel headers through x/sys/unix.
var names = [...]string{
	unix.CAP_CHOWN:              "CAP_CHOWN",
	unix.CAP_DAC_OVERRIDE:       "CAP_DAC_OVERRIDE",
	unix.CAP_DAC_READ_SEARCH:    "CAP_DAC_READ_SEARCH",
	unix.CAP_FOWNER:             "CAP_FOWNER",
	unix.CAP_FSETID:             "CAP_FSETID",
	unix.CAP_KILL:               "CAP_KILL",
	unix.CAP_SETGID:             "CAP_SETGID",
	unix.CAP_SETUID:             "CAP_SETUID",
	unix.CAP_SETPCAP:            "CAP_SETPCAP",
	unix.CAP_LINUX_IMMUTABLE:    "CAP_LINUX_IMMUTABLE",
	unix.CAP_NET_BIND_SERVICE:   "CAP_NET_BIND_SERVICE",
	unix.CAP_NET_BROADCAST:      "CAP_NET_BROADCAST",
	unix.CAP_NET_ADMIN:          "CAP_NET_ADMIN",
	unix.CAP_NET_RAW:            "CAP_NET_RAW",
	unix.CAP_IPC_LOCK:           "CAP_IPC_LOCK",
	unix.CAP_IPC_OWNER:          "CAP_IPC_OWNER",
	unix.CAP_SYS_MODULE:         "CAP_SYS_MODULE",
	unix.CAP_SYS_RAWIO:          "CAP_SYS_RAWIO",
	unix.CAP_SYS_CHROOT:         "CAP_SYS_CHROOT",
	unix.CAP_SYS_PTRACE:         "CAP_SYS_PTRACE",
	unix.CAP_SYS_PACCT:          "CAP_SYS_PACCT",
	unix.CAP_SYS_ADMIN:          "CAP_SYS_ADMIN",
	unix.CAP_SYS_BOOT:           "CAP_SYS_BOOT",
	unix.CAP_SYS_NICE:           "CAP_SYS_NICE",
	unix.CAP_SYS_RESOURCE:       "CAP_SYS_RESOURCE",
	unix.CAP_SYS_TIME:           "CAP_SYS_TIME",
	unix.CAP_SYS_TTY_CONFIG:     "CAP_SYS_TTY_CONFIG",
	unix.CAP_MKNOD:              "CAP_MKNOD",
	unix.CAP_LEASE:              "CAP_LEASE",
	unix.CAP_AUDIT_WRITE:        "CAP_AUDIT_WRITE",
	unix.CAP_AUDIT_CONTROL:      "CAP_AUDIT_CONTROL",
	unix.CAP_SETFCAP:            "CAP_SETFCAP",
	unix.CAP_MAC_OVERRIDE:       "CAP_MAC_OVERRIDE",
	unix.CAP_MAC_ADMIN:          "CAP_MAC_ADMIN",
	unix.CAP_SYSLOG:             "CAP_SYSLOG",
	unix.CAP_WAKE_ALARM:         "CAP_WAKE_ALARM",
	unix.CAP_BLOCK_SUSPEND:      "CAP_BLOCK_SUSPEND",
	unix.CAP_AUDIT_READ:         "CAP_AUDIT_READ",
	unix.CAP_PERFMON:            "CAP_PERFMON",
	unix.CAP_BPF:                "CAP_BPF",
	unix.CAP_CHECKPOINT_RESTORE: "CAP_CHECKPOINT_RESTORE",
}

// byName is the reverse of names.
var byName = func() map[string]Cap {
	m := make(map[string]Cap, len(names))
	for i, n := range names {
		m[n] = Cap(i)
	}
	return m
}()

// defaults is the set Docker and containerd give a container that asks for
// nothing else (moby's oci/caps DefaultCapabilities), in their order.
var defaults = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// Parse returns the capability named name, spelled as in config.json
// ("CAP_SYS_ADMIN"). A name this build does not know is an
// errdefs.ErrInvalidArgument. Parse does not consult the running kernel; see
// New for names the kernel is too old to have.
func Parse(name string) (Cap, error) {
	c, ok := byName[name]
	if !ok {
		return 0, fmt.Errorf("unknown capability %q: %w", name, errdefs.ErrInvalidArgument)
	}
	return c, nil
}

// String returns the capability's name, or "CAP_<n>" for a number this build
// has no name for.
func (c Cap) String() string {
	if c >= 0 && int(c) < len(names) {
		return names[c]
	}
	return fmt.Sprintf("CAP_%d", int(c))
}

// Known returns the name of every capability this build knows, in kernel
// order. The runtime's features command lists them.
func Known() []string {
	out := make([]string, len(names))
	copy(out, names[:])
	return out
}

// Default returns the capabilities Docker gives a container by default.
func Default() []string {
	out := make([]string, len(defaults))
	copy(out, defaults)
	return out
}

// Mask is a set of capabilities as the kernel stores one: bit n stands for
// capability n.
type Mask uint64

// Has reports whether c is in m.
func (m Mask) Has(c Cap) bool { return c >= 0 && c < 64 && m&(1<<uint(c)) != 0 }

// Names returns the names of the capabilities in m, in kernel order.
func (m Mask) Names() []string {
	out := make([]string, 0, bits.OnesCount64(uint64(m)))
	for c := Cap(0); c < 64; c++ {
		if m.Has(c) {
			out = append(out, c.String())
		}
	}
	return out
}
