package oci_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The OCI lifecycle: create leaves the process blocked, start releases it,
// kill stops it, delete removes every trace.
func TestCreateStartKillDelete(t *testing.T) {
	e := newEnv(t, "sh", "-c", "echo started > /tmp/marker; sleep 100")
	e.spec.Root.Readonly = false
	e.spec.Root.Path = copyRootfs(t)
	e.writeSpec()
	e.mustRun("create", "--bundle", e.bundle, "c1")

	st := e.state("c1")
	if st["status"] != "created" {
		t.Fatalf("after create: status %v, want created", st["status"])
	}
	pid := int(st["pid"].(float64))
	if pid <= 0 {
		t.Fatalf("after create: pid %v", st["pid"])
	}
	marker := filepath.Join(e.spec.Root.Path, "tmp/marker")
	time.Sleep(50 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the process ran before start")
	}

	e.mustRun("start", "c1")
	if st := e.state("c1"); st["status"] != "running" {
		t.Fatalf("after start: status %v, want running", st["status"])
	}
	waitFor(t, func() bool { _, err := os.Stat(marker); return err == nil })

	e.mustRun("kill", "c1", "KILL")
	waitFor(t, func() bool { return e.state("c1")["status"] == "stopped" })

	e.mustRun("delete", "c1")
	if _, errOut, code := e.run("state", "c1"); code == 0 || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("state after delete: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(e.root, "c1")); !os.IsNotExist(err) {
		t.Fatalf("state directory left behind: %v", err)
	}
}

func TestStartTwiceFails(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.mustRun("create", "--bundle", e.bundle, "c2")
	e.mustRun("start", "c2")
	if _, errOut, code := e.run("start", "c2"); code == 0 || !strings.Contains(errOut, "running") {
		t.Fatalf("second start: exit %d, %q", code, errOut)
	}
}

func TestDeleteRunningNeedsForce(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	e.mustRun("run", "-d", "--bundle", e.bundle, "c3")
	if _, errOut, code := e.run("delete", "c3"); code == 0 || !strings.Contains(errOut, "running") {
		t.Fatalf("delete of a running container: exit %d, %q", code, errOut)
	}
	pid := int(e.state("c3")["pid"].(float64))
	e.mustRun("delete", "--force", "c3")
	if _, err := os.Stat("/proc/" + itoa(pid)); err == nil {
		if data, _ := os.ReadFile("/proc/" + itoa(pid) + "/stat"); !strings.Contains(string(data), ") Z") {
			t.Fatalf("process %d still alive after delete --force", pid)
		}
	}
}

func TestDeleteCreatedContainer(t *testing.T) {
	e := newEnv(t, "true")
	e.writeSpec()
	e.mustRun("create", "--bundle", e.bundle, "c4")
	e.mustRun("delete", "c4")
	if out := e.mustRun("list", "-q"); strings.TrimSpace(out) != "" {
		t.Fatalf("list after delete: %q", out)
	}
}

// copyRootfs gives a test a writable copy of the busybox rootfs.
func copyRootfs(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "rootfs")
	if err := copyTree(template, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func copyTree(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case fi.IsDir():
			return os.MkdirAll(target, fi.Mode().Perm())
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, fi.Mode().Perm())
		}
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
