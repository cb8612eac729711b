package images

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

func TestImportListsImageWithConfigID(t *testing.T) {
	e := newEnv(t, "")
	c := ctx(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(busyboxTar(t, nil))
	zw.Close()
	img, err := e.Import(c, &gz, "busybox", ImportOptions{Changes: Changes{Cmd: []string{"sh"}, Env: []string{"A=1"}}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.List(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "docker.io/library/busybox:latest" {
		t.Fatalf("listed %+v", list)
	}
	r, err := image.Resolve(c, e.content, list[0].Target, image.DefaultPlatform())
	if err != nil {
		t.Fatal(err)
	}
	if list[0].ID != r.Config.Digest || img.ID != r.Config.Digest {
		t.Errorf("image ID %s, record %s, config %s", img.ID, list[0].ID, r.Config.Digest)
	}
	cfg, err := image.ReadConfig(c, e.content, r)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Config.Cmd, []string{"sh"}) || !slices.Equal(cfg.Config.Env, []string{"A=1"}) {
		t.Errorf("config %+v", cfg.Config)
	}
	if cfg.Architecture != image.DefaultPlatform().Architecture || cfg.OS != "linux" || len(cfg.History) != 1 {
		t.Errorf("config %+v", cfg)
	}
	if got, err := e.Get(c, img.ShortID()); err != nil || got.Name != img.Name {
		t.Errorf("lookup by short ID: %v %v", got, err)
	}
}

func TestImportRefusesWhatIsNotATar(t *testing.T) {
	e := newEnv(t, "")
	_, err := e.Import(ctx(t), bytes.NewReader(bytes.Repeat([]byte("not a tar "), 100)), "junk", ImportOptions{})
	if !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Fatalf("import of junk: %v", err)
	}
	if list, _ := e.List(ctx(t)); len(list) != 0 {
		t.Errorf("junk listed: %+v", list)
	}
}

func TestUnpackOnceAndMountRootfs(t *testing.T) {
	for _, d := range drivers {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			c := ctx(t)
			e.importTar(t, busyboxTar(t, nil), "busybox", ImportOptions{})
			res, err := e.Unpack(c, "busybox", image.DefaultPlatform())
			if err != nil {
				t.Fatal(err)
			}
			if res.Applied != 1 || len(res.Chain) != 1 {
				t.Fatalf("first unpack: %+v", res)
			}
			again, err := e.Unpack(c, "busybox", image.DefaultPlatform())
			if err != nil || again.Applied != 0 {
				t.Fatalf("second unpack applied %d layers: %v", again.Applied, err)
			}
			mounts, cfg, err := e.PrepareRootfs(c, "busybox", "ctr-1")
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.RootFS.DiffIDs) != 1 {
				t.Errorf("config %+v", cfg.RootFS)
			}
			rootfs, _ := e.mount(t, mounts)
			if fi, err := os.Stat(filepath.Join(rootfs, "bin/busybox")); err != nil || fi.Mode().Perm() != 0o755 {
				t.Fatalf("bin/busybox in rootfs: %v %v", fi, err)
			}
			if target, err := os.Readlink(filepath.Join(rootfs, "usr/bin/env")); err != nil || target != "../../bin/busybox" {
				t.Errorf("usr/bin/env -> %q, %v", target, err)
			}
		})
	}
}

func TestImagesShareBaseSnapshot(t *testing.T) {
	e := newEnv(t, "")
	c := ctx(t)
	tarball := busyboxTar(t, nil)
	e.importTar(t, tarball, "a", ImportOptions{})
	e.importTar(t, tarball, "b", ImportOptions{Changes: Changes{Cmd: []string{"true"}}})
	ra, err := e.Unpack(c, "a", image.DefaultPlatform())
	if err != nil {
		t.Fatal(err)
	}
	rb, err := e.Unpack(c, "b", image.DefaultPlatform())
	if err != nil {
		t.Fatal(err)
	}
	if ra.Applied != 1 || rb.Applied != 0 || !slices.Equal(ra.Chain, rb.Chain) {
		t.Fatalf("a %+v, b %+v", ra, rb)
	}
	if names := e.snapshotNames(t); len(names) != 1 {
		t.Errorf("snapshots %v", names)
	}
}
