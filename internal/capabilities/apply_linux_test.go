package capabilities

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Applying capabilities cannot be undone, so each case runs in a child: the
// test binary re-executed with childEnv naming the case. The child prints
// what it observed; the test in the parent asserts.
const childEnv = "HULL_CAPABILITIES_TEST_CHILD"

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		runtime.LockOSThread()
		if err := children[name](); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var children = map[string]func() error{
	"root":    childRoot,
	"user":    childUser,
	"missing": childMissing,
}

var (
	defaultMask = mustMask(Default())
	ambientMask = mustMask([]string{"CAP_NET_BIND_SERVICE", "CAP_KILL"})
)

func mustMask(names []string) Mask {
	var m Mask
	for _, n := range names {
		c, err := Parse(n)
		if err != nil {
			panic(err)
		}
		m |= 1 << uint(c)
	}
	return m
}

// childRoot applies Docker's default set to a process that stays uid 0.
func childRoot() error {
	def := Default()
	s, _, err := New(&specs.LinuxCapabilities{Bounding: def, Effective: def, Permitted: def})
	if err != nil {
		return err
	}
	if err := s.DropBounding(); err != nil {
		return err
	}
	if err := s.Apply(); err != nil {
		return err
	}
	return printStatus("/proc/thread-self/status")
}

// childUser is the full sequence for a non-root user with ambient
// capabilities, then shows what a program it execs ends up with.
func childUser() error {
	def := Default()
	amb := []string{"CAP_NET_BIND_SERVICE", "CAP_KILL"}
	s, _, err := New(&specs.LinuxCapabilities{
		Bounding: def, Effective: def, Permitted: def, Inheritable: amb, Ambient: amb,
	})
	if err != nil {
		return err
	}
	if err := s.DropBounding(); err != nil {
		return err
	}
	if err := SetKeepCaps(true); err != nil {
		return err
	}
	if err := syscall.Setresgid(1000, 1000, 1000); err != nil {
		return err
	}
	if err := syscall.Setresuid(1000, 1000, 1000); err != nil {
		return err
	}
	if err := SetKeepCaps(false); err != nil {
		return err
	}
	if err := s.Apply(); err != nil {
		return err
	}
	if err := printStatus("/proc/thread-self/status"); err != nil {
		return err
	}
	fmt.Println("--- after execve")
	return unix.Exec("/bin/busybox", []string{"busybox", "grep", "^Cap", "/proc/self/status"}, nil)
}

// childMissing asks Apply for a capability the thread has given up.
func childMissing() error {
	if err := capset(defaultMask, defaultMask, 0); err != nil {
		return err
	}
	s, _, err := New(&specs.LinuxCapabilities{Permitted: []string{"CAP_CHOWN", "CAP_SYS_TIME"}})
	if err != nil {
		return err
	}
	err = s.Apply()
	if !errors.Is(err, errdefs.ErrUnavailable) || !strings.Contains(err.Error(), "CAP_SYS_TIME") {
		return fmt.Errorf("Apply = %v, want ErrUnavailable naming CAP_SYS_TIME", err)
	}
	fmt.Println("ok")
	return nil
}

func printStatus(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Cap") {
			fmt.Println(l)
		}
	}
	return nil
}

func runChild(t *testing.T, name string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", name, err, out)
	}
	return string(out)
}

// masks parses "CapXxx:\t<hex>" lines into a map from the set's name.
func masks(t *testing.T, out string) map[string]Mask {
	t.Helper()
	m := map[string]Mask{}
	for _, l := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok || !strings.HasPrefix(k, "Cap") {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		if err != nil {
			t.Fatalf("parsing %q: %v", l, err)
		}
		m[strings.TrimPrefix(k, "Cap")] = Mask(n)
	}
	return m
}

func assertMasks(t *testing.T, what string, got map[string]Mask, want map[string]Mask) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: Cap%s = %v, want %v", what, k, got[k].Names(), w.Names())
		}
	}
}

func TestApplyAsRoot(t *testing.T) {
	got := masks(t, runChild(t, "root"))
	assertMasks(t, "thread", got, map[string]Mask{
		"Bnd": defaultMask, "Eff": defaultMask, "Prm": defaultMask, "Inh": 0, "Amb": 0,
	})
}

func TestApplyAsUserWithAmbient(t *testing.T) {
	before, after, ok := strings.Cut(runChild(t, "user"), "--- after execve")
	if !ok {
		t.Fatal("child did not exec")
	}
	assertMasks(t, "thread after setresuid", masks(t, before), map[string]Mask{
		"Bnd": defaultMask, "Eff": defaultMask, "Prm": defaultMask, "Inh": ambientMask, "Amb": ambientMask,
	})
	// A non-root program without file capabilities keeps only the ambient set.
	assertMasks(t, "program after execve", masks(t, after), map[string]Mask{
		"Bnd": defaultMask, "Eff": ambientMask, "Prm": ambientMask, "Inh": ambientMask, "Amb": ambientMask,
	})
}

func TestApplyNamesMissingCapability(t *testing.T) {
	if out := runChild(t, "missing"); strings.TrimSpace(out) != "ok" {
		t.Fatalf("child said %q", out)
	}
}
