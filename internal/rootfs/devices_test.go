package rootfs

import (
	"os"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestDeviceMode(t *testing.T) {
	mode := func(m uint32) *os.FileMode { f := os.FileMode(m); return &f }
	tests := []struct {
		d        specs.LinuxDevice
		wantMode uint32
		wantDev  int
		ok       bool
	}{
		{specs.LinuxDevice{Type: "c", Major: 1, Minor: 3}, unix.S_IFCHR | 0o666, int(unix.Mkdev(1, 3)), true},
		{specs.LinuxDevice{Type: "u", Major: 10, Minor: 229, FileMode: mode(0o600)}, unix.S_IFCHR | 0o600, int(unix.Mkdev(10, 229)), true},
		{specs.LinuxDevice{Type: "b", Major: 7, Minor: 300, FileMode: mode(0o660)}, unix.S_IFBLK | 0o660, int(unix.Mkdev(7, 300)), true},
		{specs.LinuxDevice{Type: "p", Major: 5, FileMode: mode(0o620)}, unix.S_IFIFO | 0o620, 0, true},
		{specs.LinuxDevice{Type: "x"}, 0, 0, false},
	}
	for _, tt := range tests {
		m, dev, err := deviceMode(&tt.d)
		if (err == nil) != tt.ok || m != tt.wantMode || dev != tt.wantDev {
			t.Errorf("deviceMode(%+v) = %o, %d, %v; want %o, %d, ok=%v", tt.d, m, dev, err, tt.wantMode, tt.wantDev, tt.ok)
		}
	}
}
