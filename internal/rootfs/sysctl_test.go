package rootfs

import (
	"errors"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestSysctlPath(t *testing.T) {
	for name, want := range map[string]string{
		"net.ipv4.ip_forward": "sys/net/ipv4/ip_forward",
		"kernel.msgmax":       "sys/kernel/msgmax",
	} {
		if got, err := sysctlPath(name); err != nil || got != want {
			t.Errorf("sysctlPath(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{
		"", ".", "..", "kernel..msgmax", ".kernel.msgmax", "kernel.msgmax.",
		"../../etc/passwd", "kernel/msgmax", "/kernel.msgmax", "net.ipv4.conf.eth0/../../x", "kernel.ms\x00gmax",
	} {
		if _, err := sysctlPath(name); !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("sysctlPath(%q): err = %v, want ErrInvalidArgument", name, err)
		}
	}
}

func TestWriteSysctlsChecksAllNamesFirst(t *testing.T) {
	// The bad name must be refused before anything is opened: were the good
	// one (first in sorted order) tried first, the error would be ENOENT
	// (no such sysctl), not ErrInvalidArgument. As the good name does not
	// exist, nothing on the host changes whatever the code does.
	err := WriteSysctls(map[string]string{"aaa.hull.none": "1", "zzz/../../etc/shadow": "x"})
	if !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("WriteSysctls with a bad name: err = %v, want ErrInvalidArgument", err)
	}
}
