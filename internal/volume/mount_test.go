package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

func mountOf(t *testing.T, dir string) *mountinfo.Info {
	t.Helper()
	ms, err := mountinfo.GetMounts(mountinfo.SingleEntryFilter(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		return nil
	}
	return ms[len(ms)-1]
}

// A tmpfs volume is mounted by the first Acquire, with its options, stays
// mounted while any container holds it, and is unmounted by the last
// Release.
func TestTmpfsVolume(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	v := mustCreate(t, s, CreateOptions{Name: "scratch",
		Options: map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=64m,uid=1000,nosuid"}})
	if isMounted(t, v.Mountpoint) {
		t.Fatal("mounted by create")
	}
	host := mustAcquire(t, s, "scratch", "c1")
	m := mountOf(t, host)
	if m == nil || m.FSType != "tmpfs" || !strings.Contains(m.VFSOptions, "size=65536k") ||
		!strings.Contains(m.Options, "nosuid") {
		t.Fatalf("mount %+v", m)
	}
	var st unix.Stat_t
	if err := unix.Stat(host, &st); err != nil || st.Uid != 1000 {
		t.Errorf("uid %d %v", st.Uid, err)
	}
	writeFile(t, filepath.Join(host, "f"), "in tmpfs")
	mustAcquire(t, s, "scratch", "c2")
	if err := s.Release("scratch", "c1"); err != nil {
		t.Fatal(err)
	}
	if !isMounted(t, host) {
		t.Fatal("unmounted while c2 holds it")
	}
	if err := s.Release("scratch", "c2"); err != nil {
		t.Fatal(err)
	}
	if isMounted(t, host) {
		t.Fatal("still mounted after the last release")
	}
	if _, err := os.Stat(filepath.Join(host, "f")); !os.IsNotExist(err) {
		t.Errorf("tmpfs data visible after unmount: %v", err)
	}
	if err := s.Remove("scratch"); err != nil {
		t.Fatal(err)
	}
}

// A bind volume shows the device directory; removing the volume leaves
// that directory and its data alone, even when the volume is removed while
// still mounted (a release a crash cut short).
func TestBindVolume(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	dev := t.TempDir()
	writeFile(t, filepath.Join(dev, "precious"), "keep me")
	for _, o := range []string{"bind", "bind,ro"} {
		mustCreate(t, s, CreateOptions{Name: "b1", Options: map[string]string{"type": "none", "device": dev, "o": o}})
		host := mustAcquire(t, s, "b1", "c1")
		if b, err := os.ReadFile(filepath.Join(host, "precious")); err != nil || string(b) != "keep me" {
			t.Fatalf("o=%s: read through the volume: %q %v", o, b, err)
		}
		err := os.WriteFile(filepath.Join(host, "new"), []byte("x"), 0o644)
		if ro := o == "bind,ro"; ro != (err != nil) {
			t.Errorf("o=%s: write: %v", o, err)
		}
		// Drop the reference file by hand: the mount outlives it, as after
		// a kill between the two.
		os.Remove(filepath.Join(s.Root(), "b1", "refs", "c1"))
		if err := s.Remove("b1"); err != nil {
			t.Fatalf("o=%s: %v", o, err)
		}
		if b, err := os.ReadFile(filepath.Join(dev, "precious")); err != nil || string(b) != "keep me" {
			t.Fatalf("o=%s: device data after remove: %q %v", o, b, err)
		}
		os.Remove(filepath.Join(dev, "new"))
	}
}

// A mount that fails leaves no reference behind, and says why.
func TestMountFailure(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	mustCreate(t, s, CreateOptions{Name: "broken",
		Options: map[string]string{"type": "none", "device": "/nonexistent/dir", "o": "bind"}})
	_, err := s.Acquire("broken", "c1")
	if err == nil || !strings.Contains(err.Error(), "failed to mount local volume") {
		t.Fatalf("acquire: %v", err)
	}
	if users, _ := s.Users("broken"); len(users) != 0 {
		t.Errorf("users after a failed mount: %v", users)
	}
	mustCreate(t, s, CreateOptions{Name: "badopt",
		Options: map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "nosuchoption=1"}})
	if _, err := s.Acquire("badopt", "c1"); err == nil {
		t.Error("tmpfs accepted an unknown option")
	}
}

// Acquire again after the device was unmounted behind the store's back (a
// reboot, with references still on disk) mounts it again.
func TestAcquireRemounts(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	mustCreate(t, s, CreateOptions{Name: "tv", Options: tmpfsOptions})
	host := mustAcquire(t, s, "tv", "c1")
	if err := unix.Unmount(host, 0); err != nil {
		t.Fatal(err)
	}
	mustAcquire(t, s, "tv", "c1")
	if !isMounted(t, host) {
		t.Error("not mounted again")
	}
	if err := s.Release("tv", "c1"); err != nil {
		t.Fatal(err)
	}
}

// Populating a device volume needs its device mounted.
func TestPopulateNeedsMount(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	mustCreate(t, s, CreateOptions{Name: "tv", Options: tmpfsOptions})
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "f"), "x")
	wantKind(t, s.Populate("tv", src), errdefs.ErrConflict, "populate before acquire")
}
