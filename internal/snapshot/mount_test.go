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

func TestMountOptionsTooLong(t *testing.T) {
	requireRoot(t)
	lowers := make([]string, 200)
	for i := range lowers {
		lowers[i] = fmt.Sprintf("/a/%d/%s", i, strings.Repeat("x", 30))
	}
	m := overlayMount("/u", "/w", lowers)
	err := Mount([]specs.Mount{m}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("Mount = %v, want a clear error", err)
	}
	t.Log(err)
}

func TestUnmountNothingIsFine(t *testing.T) {
	requireRoot(t)
	if err := Unmount(t.TempDir()); err != nil {
		t.Fatal(err)
	}
}
