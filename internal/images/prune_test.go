package images

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hullrt/hull/internal/image"
)

// TestPruneFreesRemovedKeepsShared imports a and b from one tarball (so
// they share a layer blob and snapshot) and c from another, removes b and
// c, and checks Prune frees c's layer and b's config and manifest but
// keeps the layer a still uses.
func TestPruneFreesRemovedKeepsShared(t *testing.T) {
	e := newEnv(t, "")
	c := ctx(t)
	shared := busyboxTar(t, nil)
	e.importTar(t, shared, "a", ImportOptions{})
	e.importTar(t, shared, "b", ImportOptions{Changes: Changes{Cmd: []string{"true"}}})
	e.importTar(t, busyboxTar(t, map[string]string{"c": "c"}), "c", ImportOptions{})
	resolveAll := map[string]image.Resolved{}
	for _, name := range []string{"a", "b", "c"} {
		if _, err := e.Unpack(c, name, image.DefaultPlatform()); err != nil {
			t.Fatal(err)
		}
		r, err := e.resolve(c, name, image.DefaultPlatform())
		if err != nil {
			t.Fatal(err)
		}
		resolveAll[name] = r.manifest
	}
	before, err := e.DiskUsage(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b", "c"} {
		if err := e.Remove(c, name, false); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.Prune(c)
	if err != nil {
		t.Fatal(err)
	}
	a, b, cc := resolveAll["a"], resolveAll["b"], resolveAll["c"]
	for _, gone := range []ocispecDigest{b.ManifestDesc.Digest, b.Config.Digest, cc.ManifestDesc.Digest, cc.Config.Digest, cc.Layers[0].Digest} {
		if e.content.Exists(c, gone) {
			t.Errorf("blob %s of a removed image survived Prune", gone)
		}
	}
	for _, kept := range []ocispecDigest{a.ManifestDesc.Digest, a.Config.Digest, a.Layers[0].Digest} {
		if !e.content.Exists(c, kept) {
			t.Errorf("blob %s of image a was pruned", kept)
		}
	}
	after, err := e.DiskUsage(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pruned %d blobs, %d bytes; usage before %+v, after %+v", len(res.Blobs), res.Bytes, before, after)
	if before.Images != 3 || after.Images != 1 || after.Snapshots != 1 || after.ContentSize >= before.ContentSize {
		t.Errorf("usage before %+v, after %+v", before, after)
	}
	if _, err := e.Unpack(c, "a", image.DefaultPlatform()); err != nil {
		t.Errorf("a after prune: %v", err)
	}
}

// TestConcurrentUnpackFromTwoProcesses starts two copies of the test
// binary that unpack the same image at the same moment; both must
// succeed, and exactly one snapshot per layer must remain.
func TestConcurrentUnpackFromTwoProcesses(t *testing.T) {
	e := newEnv(t, "")
	c := ctx(t)
	e.importTar(t, busyboxTar(t, nil), "busybox", ImportOptions{})
	img, err := e.Commit2Layers(t)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(300 * time.Millisecond)
	var cmds []*exec.Cmd
	var outs []*lockedBuffer
	for i := 0; i < 2; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperUnpack$", "-test.count=1")
		cmd.Env = append(os.Environ(), "HULL_IMAGES_HELPER_ROOT="+e.Root(), "HULL_IMAGES_HELPER_IMAGE="+img,
			fmt.Sprintf("HULL_IMAGES_HELPER_START=%d", start.UnixNano()))
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		outs = append(outs, out)
		t.Cleanup(func() { t.Logf("helper %d: %s", i, out.String()) })
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper %d: %v", i, err)
		}
	}
	r, err := e.resolve(c, img, image.DefaultPlatform())
	if err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, out := range outs {
		var pid, n int
		fmt.Sscanf(out.String(), "pid %d applied %d", &pid, &n)
		applied += n
	}
	if applied != len(r.chain) {
		t.Errorf("the helpers committed %d layers between them, want each of %d once", applied, len(r.chain))
	}
	if names := e.snapshotNames(t); !slices.Equal(names, slices.Sorted(slices.Values(r.chain))) {
		t.Errorf("snapshots %v, want the chain %v", names, r.chain)
	}
}

// TestHelperUnpack is the child of TestConcurrentUnpackFromTwoProcesses.
func TestHelperUnpack(t *testing.T) {
	root := os.Getenv("HULL_IMAGES_HELPER_ROOT")
	if root == "" {
		t.Skip("helper process for TestConcurrentUnpackFromTwoProcesses")
	}
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var at int64
	fmt.Sscan(os.Getenv("HULL_IMAGES_HELPER_START"), &at)
	time.Sleep(time.Until(time.Unix(0, at)))
	res, err := s.Unpack(ctx(t), os.Getenv("HULL_IMAGES_HELPER_IMAGE"), image.DefaultPlatform())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("pid %d applied %d of %d layers, discarded %d\n", os.Getpid(), res.Applied, len(res.Chain), res.Discarded)
}

// Commit2Layers makes a two-layer image from busybox through a container
// (without unpacking it afterwards), so the helpers race on two layers.
func (e testEnv) Commit2Layers(t *testing.T) (string, error) {
	c := ctx(t)
	mounts, _, err := e.PrepareRootfs(c, "busybox", "ctr-tmp")
	if err != nil {
		return "", err
	}
	rootfs, unmount := e.mount(t, mounts)
	os.WriteFile(filepath.Join(rootfs, "tmp/x"), []byte("x"), 0o644)
	unmount()
	if _, err := e.Commit(c, "ctr-tmp", "two", CommitOptions{}); err != nil {
		return "", err
	}
	// Start the race from nothing: drop the container and the base layer.
	if err := e.RemoveRootfs(c, "ctr-tmp"); err != nil {
		return "", err
	}
	// Image two still names the base layer, so Remove keeps it.
	for _, name := range e.snapshotNames(t) {
		if err := e.snapshots.Remove(c, name); err != nil {
			return "", err
		}
	}
	if names := e.snapshotNames(t); len(names) != 0 {
		return "", fmt.Errorf("snapshots before the race: %v", names)
	}
	return "two", nil
}
