package snapshot

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestCleanupRemovesOrphans(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverOverlay)
	layer(t, s, "base", "", map[string]string{"a": "1"})
	// What a crash leaves: a directory never recorded (under the next id,
	// so Prepare must step over it), a staging directory nobody holds, a
	// half-written metadata file.
	orphan := filepath.Join(s.Root(), "snapshots", "2")
	must(t, os.MkdirAll(filepath.Join(orphan, "fs"), 0o755))
	dead := filepath.Join(s.Root(), "staging", "new-dead")
	must(t, os.MkdirAll(filepath.Join(dead, "fs"), 0o755))
	must(t, os.WriteFile(s.metadataPath()+".tmp", []byte("{"), 0o600))
	// And one that is live: another process is still copying into it.
	live := filepath.Join(s.Root(), "staging", "new-live")
	must(t, os.Mkdir(live, 0o700))
	f, err := os.Open(live)
	must(t, err)
	defer f.Close()
	must(t, unix.Flock(int(f.Fd()), unix.LOCK_EX))

	if _, err := s.Prepare(ctx, "ctr", "base"); err != nil {
		t.Fatal(err)
	}
	must(t, s.Cleanup(ctx))
	for _, p := range []string{orphan, dead, s.metadataPath() + ".tmp"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s survived Cleanup", p)
		}
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("Cleanup removed a live staging directory: %v", err)
	}
	must(t, os.Remove(live))
	checkConsistent(t, s.Root())
	if _, err := s.Mounts(ctx, "ctr"); err != nil {
		t.Fatal(err)
	}
}

// checkConsistent asserts the invariant crash safety promises: every
// record has its directory, every directory has its record (after
// Cleanup), every parent exists, and staging is empty.
func checkConsistent(tb testing.TB, root string) {
	tb.Helper()
	s := &Store{root: root}
	md, err := s.load()
	must(tb, err)
	ids := map[string]bool{}
	for k, r := range md.Snapshots {
		ids[r.ID] = true
		if _, err := os.Stat(s.fsDir(r.ID)); err != nil {
			tb.Errorf("record %q points at nothing: %v", k, err)
		}
		if _, ok := md.Snapshots[r.Parent]; r.Parent != "" && !ok {
			tb.Errorf("record %q has missing parent %q", k, r.Parent)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(root, "snapshots"))
	for _, e := range entries {
		if !ids[e.Name()] {
			tb.Errorf("directory %s has no record", e.Name())
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "staging")); len(entries) > 0 {
		tb.Errorf("%d staging directories left", len(entries))
	}
}

// TestKillNineAnyTime kills a process that keeps preparing, committing and
// removing snapshots at random moments, then checks that Cleanup always
// brings the store back to a consistent state.
func TestKillNineAnyTime(t *testing.T) {
	requireRoot(t)
	if testing.Short() {
		t.Skip("slow")
	}
	for i := 0; i < 12; i++ {
		d := drivers[i%2]
		root := t.TempDir()
		s := openStore(t, root, d)
		layer(t, s, "base", "", map[string]string{"a": "1", "d/b": "2", "d/c": "3"})
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
		cmd.Env = append(os.Environ(), "HULL_SNAPSHOT_CRASH_ROOT="+root)
		must(t, cmd.Start())
		time.Sleep(time.Duration(20+rand.Intn(80)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		must(t, s.Cleanup(context.Background()))
		checkConsistent(t, root)
		n := 0
		s.Walk(context.Background(), func(Info) error { n++; return nil })
		t.Logf("%s: killed with %d snapshots", d, n)
	}
}

// TestCrashHelper is the process TestKillNineAnyTime kills.
func TestCrashHelper(t *testing.T) {
	root := os.Getenv("HULL_SNAPSHOT_CRASH_ROOT")
	if root == "" {
		t.Skip("helper process for TestKillNineAnyTime")
	}
	ctx := context.Background()
	s, err := Open(root, Options{})
	must(t, err)
	for i := 0; ; i++ {
		k := fmt.Sprint("k", i)
		if _, err := s.Prepare(ctx, k, "base"); err != nil {
			t.Fatal(err)
		}
		switch i % 3 {
		case 0:
			must(t, s.Commit(ctx, "c"+k, k))
		case 1:
			must(t, s.Remove(ctx, k))
		}
	}
}

// TestStoresShareRoot runs several Stores on one root at once, as several
// hull processes would, each with its own lock file description.
func TestStoresShareRoot(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverOverlay)
	layer(t, s, "base", "", map[string]string{"a": "1"})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		other := openStore(t, s.Root(), "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				k := fmt.Sprintf("w%d-%d", w, i)
				if _, err := other.Prepare(ctx, k, "base"); err != nil {
					t.Error(err)
					return
				}
				if i%2 == 0 {
					if err := other.Remove(ctx, k); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	n := 0
	must(t, s.Walk(ctx, func(Info) error { n++; return nil }))
	if n != 1+4*12 {
		t.Errorf("%d snapshots, want %d", n, 1+4*12)
	}
	checkConsistent(t, s.Root())
}
