package capabilities

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestParse(t *testing.T) {
	c, err := Parse("CAP_SYS_ADMIN")
	if err != nil || c != 21 || c.String() != "CAP_SYS_ADMIN" {
		t.Fatalf("Parse(CAP_SYS_ADMIN) = %v, %v", c, err)
	}
	for _, bad := range []string{"CAP_FOO", "SYS_ADMIN", "cap_sys_admin", ""} {
		_, err := Parse(bad)
		if !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("Parse(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
	_, err = Parse("CAP_FOO")
	if want := `unknown capability "CAP_FOO"`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
}

func TestKnownAndDefault(t *testing.T) {
	known := Known()
	if len(known) != 41 || known[0] != "CAP_CHOWN" || known[40] != "CAP_CHECKPOINT_RESTORE" {
		t.Fatalf("Known() = %v", known)
	}
	for i, n := range known {
		if c, err := Parse(n); err != nil || int(c) != i {
			t.Errorf("Parse(%q) = %v, %v; want %d", n, c, err, i)
		}
	}
	def := Default()
	if len(def) != 14 {
		t.Fatalf("Default() has %d capabilities, want Docker's 14", len(def))
	}
	for _, n := range def {
		if !slices.Contains(known, n) {
			t.Errorf("default capability %s is not known", n)
		}
	}
	def[0] = "changed"
	if Default()[0] != "CAP_CHOWN" {
		t.Error("Default() returns shared storage")
	}
}

func TestMaskNames(t *testing.T) {
	m := Mask(1<<0 | 1<<21 | 1<<40)
	got := m.Names()
	want := []string{"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE"}
	if !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}
