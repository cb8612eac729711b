package images

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/snapshot"
)

func TestUnpackRefusesWrongDiffID(t *testing.T) {
	e := newEnv(t, "")
	c := ctx(t)
	tarball := busyboxTar(t, nil)
	release, err := e.content.Lease(c)
	if err != nil {
		t.Fatal(err)
	}
	layer, _, err := e.writeLayer(c, func(w io.Writer) (digest.Digest, error) { return copyTar(w, bytes.NewReader(tarball)) })
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cfg := ocispec.Image{Created: &now, Platform: image.DefaultPlatform().OCI()}
	cfg.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromString("another layer")}}
	_, err = e.writeImage(c, "liar", cfg, []ocispec.Descriptor{layer})
	release()
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Unpack(c, "liar", image.DefaultPlatform())
	if !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Fatalf("unpack of a lying config: %v", err)
	}
	t.Log(err)
	if names := e.snapshotNames(t); len(names) != 0 {
		t.Errorf("snapshots left: %v", names)
	}
}

// TestCommitKeepsWritesAndDeletions writes a file and deletes one through
// a mounted container rootfs, commits it, and checks a container of the
// new image sees both changes.
func TestCommitKeepsWritesAndDeletions(t *testing.T) {
	for _, d := range drivers {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			c := ctx(t)
			e.importTar(t, busyboxTar(t, nil), "busybox", ImportOptions{Changes: Changes{Env: []string{"A=1"}}})
			mounts, _, err := e.PrepareRootfs(c, "busybox", "ctr-1")
			if err != nil {
				t.Fatal(err)
			}
			rootfs, unmount := e.mount(t, mounts)
			if err := os.WriteFile(filepath.Join(rootfs, "tmp/hello"), []byte("hi"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(rootfs, "etc/group")); err != nil {
				t.Fatal(err)
			}
			unmount()
			img, err := e.Commit(c, "ctr-1", "committed:1", CommitOptions{Comment: "hello", Changes: Changes{Env: []string{"A=2"}}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.Unpack(c, img.Name, image.DefaultPlatform())
			if err != nil || res.Applied != 1 || len(res.Chain) != 2 {
				t.Fatalf("unpacking the commit: %+v %v", res, err)
			}
			mounts, cfg, err := e.PrepareRootfs(c, "committed:1", "ctr-2")
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.History) != 2 || cfg.History[1].Comment != "hello" || cfg.Config.Env[0] != "A=2" {
				t.Errorf("config %+v", cfg)
			}
			rootfs2, _ := e.mount(t, mounts)
			if b, err := os.ReadFile(filepath.Join(rootfs2, "tmp/hello")); err != nil || string(b) != "hi" {
				t.Errorf("tmp/hello: %q %v", b, err)
			}
			if _, err := os.Lstat(filepath.Join(rootfs2, "etc/group")); !os.IsNotExist(err) {
				t.Errorf("etc/group was deleted before the commit, now: %v", err)
			}
			if _, err := os.Stat(filepath.Join(rootfs2, "bin/busybox")); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestRemoveRefusesImageInUse(t *testing.T) {
	e := newEnv(t, "")
	c := ctx(t)
	e.importTar(t, busyboxTar(t, nil), "busybox", ImportOptions{})
	if _, _, err := e.PrepareRootfs(c, "busybox", "ctr-1"); err != nil {
		t.Fatal(err)
	}
	if err := e.Remove(c, "busybox", false); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("remove of an image in use: %v", err)
	}
	if err := e.Remove(c, "busybox", true); err != nil {
		t.Fatalf("forced remove: %v", err)
	}
	if list, _ := e.List(c); len(list) != 0 {
		t.Errorf("still listed: %+v", list)
	}
	// The container keeps its layer until it is gone; then Prune frees it.
	res, err := e.Prune(c)
	if err != nil || len(res.Snapshots) != 0 {
		t.Fatalf("prune while the container exists: %+v %v", res, err)
	}
	if err := e.RemoveRootfs(c, "ctr-1"); err != nil {
		t.Fatal(err)
	}
	// The layer, and on an overlay store the init layer on it.
	want := 1
	if e.snapshots.Driver() == snapshot.DriverOverlay {
		want = 2
	}
	if res, err = e.Prune(c); err != nil || len(res.Snapshots) != want {
		t.Fatalf("prune after the container: %+v %v", res, err)
	}
	if names := e.snapshotNames(t); len(names) != 0 {
		t.Errorf("snapshots left: %v", names)
	}
}
