package capabilities

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestLastCapMatchesProc(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Skip("no /proc/sys/kernel/cap_last_cap:", err)
	}
	want, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	got, err := LastCap()
	if err != nil || int(got) != want {
		t.Fatalf("LastCap() = %d, %v; /proc says %d", got, err, want)
	}
}

func TestNew(t *testing.T) {
	s, warnings, err := New(&specs.LinuxCapabilities{
		Bounding:  []string{"CAP_CHOWN", "CAP_KILL"},
		Effective: []string{"CAP_KILL"},
		Permitted: []string{"CAP_KILL", "CAP_CHOWN"},
	})
	if err != nil || len(warnings) != 0 {
		t.Fatalf("New = %v, %v", warnings, err)
	}
	if s.Bounding != 1<<0|1<<5 || s.Effective != 1<<5 || s.Permitted != 1<<0|1<<5 || s.Inheritable != 0 || s.Ambient != 0 {
		t.Fatalf("New = %+v", s)
	}
	if s, w, err := New(nil); s != nil || w != nil || err != nil {
		t.Fatalf("New(nil) = %v, %v, %v", s, w, err)
	}
	var none *Set
	if none.DropBounding() != nil || none.Apply() != nil {
		t.Fatal("a nil *Set must change nothing")
	}
}

func TestNewErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		caps specs.LinuxCapabilities
		want string
	}{
		"unknown": {
			specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "CAP_FOO"}},
			`bounding capabilities: unknown capability "CAP_FOO"`,
		},
		"effective not permitted": {
			specs.LinuxCapabilities{Effective: []string{"CAP_KILL"}},
			`effective capabilities [CAP_KILL] are not in the permitted set`,
		},
	} {
		_, _, err := New(&tc.caps)
		if !errors.Is(err, errdefs.ErrInvalidArgument) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: New = %v, want %q (invalid argument)", name, err, tc.want)
		}
	}
}

func TestAmbientNotInheritableIsDropped(t *testing.T) {
	s, warnings, err := New(&specs.LinuxCapabilities{
		Permitted:   []string{"CAP_KILL", "CAP_CHOWN"},
		Inheritable: []string{"CAP_CHOWN"},
		Ambient:     []string{"CAP_KILL", "CAP_CHOWN"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if chown, _ := Parse("CAP_CHOWN"); s.Ambient != Mask(1)<<uint(chown) {
		t.Errorf("ambient %v, want [CAP_CHOWN]", s.Ambient.Names())
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "CAP_KILL") {
		t.Errorf("warnings %q, want one naming CAP_KILL", warnings)
	}
}

func TestNewerThanKernelIsWarned(t *testing.T) {
	var warnings []string
	skipped := map[string]bool{}
	// As if the kernel stopped at CAP_PERFMON (Linux 5.8 has CAP_BPF).
	m, err := parseList([]string{"CAP_CHOWN", "CAP_BPF", "CAP_BPF"}, 38, skipped, &warnings)
	if err != nil || m != 1 {
		t.Fatalf("parseList = %#x, %v", m, err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "CAP_BPF") {
		t.Fatalf("warnings = %q, want one about CAP_BPF", warnings)
	}
}
