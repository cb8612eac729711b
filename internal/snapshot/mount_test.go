package snapshot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestFortyLayers mounts a 40-layer chain twice: from a short root, where
// the options fit in a page, and from a root with a long path, where they
// do not and Mount must fall back to relative lower directories.
func TestFortyLayers(t *testing.T) {
	for _, long := range []bool{false, true} {
		t.Run(fmt.Sprintf("long=%v", long), func(t *testing.T) {
			requireRoot(t)
			ctx := context.Background()
			root := t.TempDir()
			t.Cleanup(func() { assertNoMounts(t, root) })
			if long {
				root = filepath.Join(root, strings.Repeat("deep-", 24))
			}
			s := openStore(t, root, DriverOverlay)
			want := map[string]string{}
			parent := ""
			for i := 0; i < 40; i++ {
				name := fmt.Sprintf("layer-%02d", i)
				layer(t, s, name, parent, map[string]string{name: name, "top": name})
				want[name], want["top"], parent = name, name, name
			}
			m, err := s.Prepare(ctx, "ctr", parent)
			if err != nil {
				t.Fatal(err)
			}
			size := len(strings.Join(m[0].Options, ","))
			if long != (size >= os.Getpagesize()) {
				t.Fatalf("options are %d bytes; the test does not cover what it should", size)
			}
			expect(t, mountAt(t, m), want)
		})
	}
}

// TestVeryLongChain mounts 150 lower directories whose names are too long
// for mount(2) even as relative paths, so only the new mount API can.
func TestVeryLongChain(t *testing.T) {
	requireRoot(t)
	base := t.TempDir()
	t.Cleanup(func() { assertNoMounts(t, base) })
	lowers := make([]string, 150)
	want := map[string]string{}
	for i := range lowers {
		lowers[i] = filepath.Join(base, fmt.Sprintf("%03d-%s", i, strings.Repeat("x", 40)))
		change(t, lowers[i], map[string]string{fmt.Sprint(i): "v", "top": fmt.Sprint(i)})
		want[fmt.Sprint(i)] = "v"
	}
	want["top"] = "0"
	m := []specs.Mount{{Type: "overlay", Source: "overlay", Options: []string{"ro", "lowerdir=" + strings.Join(lowers, ":")}}}
	expect(t, mountAt(t, m), want)
}

func TestMountFailsClearly(t *testing.T) {
	requireRoot(t)
	lowers := make([]string, 200)
	for i := range lowers {
		lowers[i] = fmt.Sprintf("/nonexistent/%d/%s", i, strings.Repeat("x", 30))
	}
	err := Mount([]specs.Mount{overlayMount("/u", "/w", lowers)}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "limit") || !strings.Contains(err.Error(), "workdir=/w") {
		t.Fatalf("Mount = %v, want an error naming the limit and the missing directory", err)
	}
	t.Log(err)
}

func TestUnmountNothingIsFine(t *testing.T) {
	requireRoot(t)
	if err := Unmount(t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
