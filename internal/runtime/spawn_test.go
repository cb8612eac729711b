package runtime

import (
	"os"
	"path/filepath"
	"testing"
)

// A Self that exits without speaking the preamble's protocol (a binary
// without nsexec) must fail Create, not leave it waiting for ever.
func TestCreateFailsWhenSelfDies(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	bundle := t.TempDir()
	if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	rt, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rt.Self = "/bin/false"
	s := ExampleSpec(false)
	s.Process.Terminal = false
	if _, err := rt.Create("self-dies", CreateOpts{Bundle: bundle, Spec: s}); err == nil {
		t.Fatal("Create succeeded with a Self that cannot be init")
	}
	if _, err := os.Stat(filepath.Join(rt.Root, "self-dies")); !os.IsNotExist(err) {
		t.Errorf("state directory left behind: %v", err)
	}
}
