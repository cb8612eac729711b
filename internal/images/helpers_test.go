package images

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/snapshot"
)

var drivers = []snapshot.Driver{snapshot.DriverOverlay, snapshot.DriverCopy}

func requireRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root to mount overlays and create whiteouts")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		tb.Skip("needs a static /bin/busybox (busybox-static)")
	}
}

// testEnv is a service in a fresh temporary directory, with room beside
// it for mount points; at the end it checks nothing stays mounted there.
type testEnv struct {
	*Service
	base string
}

func newEnv(tb testing.TB, d snapshot.Driver) testEnv {
	tb.Helper()
	requireRoot(tb)
	base := tb.TempDir()
	tb.Cleanup(func() { assertNoMounts(tb, base) })
	s, err := openWith(filepath.Join(base, "hull"), snapshot.Options{Driver: d})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return testEnv{Service: s, base: base}
}

func ctx(tb testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	tb.Cleanup(cancel)
	return c
}

func assertNoMounts(tb testing.TB, dir string) {
	tb.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir) {
			tb.Errorf("still mounted: %s", fields[4])
		}
	}
}

// mount mounts m on a new directory beside the service and unmounts it
// at cleanup; unmount may also be called earlier by the test.
func (e testEnv) mount(tb testing.TB, m []specs.Mount) (target string, unmount func()) {
	tb.Helper()
	target, err := os.MkdirTemp(e.base, "mnt-")
	if err != nil {
		tb.Fatal(err)
	}
	if err := snapshot.Mount(m, target); err != nil {
		tb.Fatal(err)
	}
	unmount = func() {
		if err := snapshot.Unmount(target); err != nil {
			tb.Error(err)
		}
	}
	tb.Cleanup(unmount)
	return target, unmount
}

// busyboxTar is a rootfs tarball made from the host's busybox: the
// binary, a few applet links, /etc/passwd and /etc/group, and extra
// files given as name → content.
func busyboxTar(tb testing.TB, extra map[string]string) []byte {
	tb.Helper()
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	dir := func(name string) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o755, ModTime: mtime})
	}
	file := func(name string, mode int64, data []byte) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: mtime})
		tw.Write(data)
	}
	for _, d := range []string{"bin", "etc", "tmp", "usr", "usr/bin"} {
		dir(d)
	}
	file("bin/busybox", 0o755, bin)
	for _, l := range []struct{ name, target string }{{"bin/sh", "busybox"}, {"bin/ls", "busybox"}, {"usr/bin/env", "../../bin/busybox"}} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: l.name, Linkname: l.target, Mode: 0o777, ModTime: mtime})
	}
	file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n"))
	file("etc/group", 0o644, []byte("root:x:0:\n"))
	for _, name := range slices.Sorted(maps.Keys(extra)) { // one tar, one diff_id
		file(name, 0o644, []byte(extra[name]))
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func (e testEnv) importTar(tb testing.TB, tarball []byte, ref string, opts ImportOptions) {
	tb.Helper()
	if _, err := e.Import(ctx(tb), bytes.NewReader(tarball), ref, opts); err != nil {
		tb.Fatal(err)
	}
}

// snapshotNames lists every snapshot in the store.
func (e testEnv) snapshotNames(tb testing.TB) []string {
	tb.Helper()
	var names []string
	err := e.snapshots.Walk(ctx(tb), func(info snapshot.Info) error {
		names = append(names, info.Name)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return names
}

type ocispecDigest = digest.Digest

// lockedBuffer collects a child's output from two pipes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
