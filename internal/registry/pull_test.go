package registry

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// checkPulled checks the record and the blobs a pull of f left.
func checkPulled(t *testing.T, c *Client, img image.Image, f fixture) {
	t.Helper()
	if img.Target.Digest != f.desc.Digest && img.ID != digest.FromBytes(f.config) {
		t.Fatalf("record %+v does not point at %s", img, f.desc.Digest)
	}
	if img.ID != digest.FromBytes(f.config) {
		t.Errorf("image ID = %s, want the config digest %s", img.ID, digest.FromBytes(f.config))
	}
	for _, d := range f.descs {
		if err := c.Content.(*content.Local).Verify(ctxT(t), d.Digest); err != nil {
			t.Errorf("layer: %v", err)
		}
	}
	labels, err := c.Content.Labels(ctxT(t), f.desc.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if labels[content.LabelGCRefPrefix+"config"] != digest.FromBytes(f.config).String() ||
		labels[content.LabelGCRefPrefix+"layer.0"] != f.descs[0].Digest.String() {
		t.Errorf("manifest labels %v do not name its config and layers", labels)
	}
}

func TestPullByTagAndDigest(t *testing.T) {
	f := makeImage(t, 1, 2, 4096, linuxAMD64)
	upload(t, shared.addr, "pull/tag:v1", f)
	c := newClient(t)
	ref := shared.addr + "/pull/tag:v1"
	img, err := c.Pull(ctxT(t), ref, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Name != ref || img.Target.Digest != f.desc.Digest {
		t.Fatalf("got %s -> %s, want %s -> %s", img.Name, img.Target.Digest, ref, f.desc.Digest)
	}
	checkPulled(t, c, img, f)

	byDigest := shared.addr + "/pull/tag@" + f.desc.Digest.String()
	img, err = newClient(t).Pull(ctxT(t), byDigest, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Target.Digest != f.desc.Digest || img.Name != byDigest {
		t.Fatalf("by digest: got %s -> %s", img.Name, img.Target.Digest)
	}
}

func TestPullIndexPicksPlatform(t *testing.T) {
	amd := makeImage(t, 2, 1, 1024, linuxAMD64)
	arm := makeImage(t, 3, 1, 1024, ocispec.Platform{OS: "linux", Architecture: "arm64"})
	upload(t, shared.addr, "pull/multi", amd)
	upload(t, shared.addr, "pull/multi", arm)
	idx := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{
		withPlatform(amd.desc, linuxAMD64), withPlatform(arm.desc, ocispec.Platform{OS: "linux", Architecture: "arm64"})}}
	idx.SchemaVersion = 2
	data := mustJSON(t, idx)
	idxDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: digest.FromBytes(data), Size: int64(len(data))}
	repo, _ := name.NewRepository(shared.addr+"/pull/multi", name.Insecure)
	putManifest(t, repo, "pull/multi:latest", data, idxDesc)

	for _, tc := range []struct {
		platform image.Platform
		want     fixture
	}{
		{image.Platform{OS: "linux", Architecture: "amd64"}, amd},
		{image.Platform{OS: "linux", Architecture: "arm64"}, arm},
	} {
		c := newClient(t)
		opts := PullOptions{Platform: tc.platform}
		if runtime.GOARCH == "amd64" && tc.platform.Architecture == "amd64" {
			opts.Platform = image.Platform{} // the default must pick amd64 here
		}
		img, err := c.Pull(ctxT(t), shared.addr+"/pull/multi", opts)
		if err != nil {
			t.Fatal(err)
		}
		if img.Target.Digest != idxDesc.Digest || img.ID != digest.FromBytes(tc.want.config) {
			t.Fatalf("%s: got target %s id %s", tc.platform, img.Target.Digest, img.ID)
		}
		checkPulled(t, c, img, tc.want)
		labels, _ := c.Content.Labels(ctxT(t), idxDesc.Digest)
		if !hasValue(labels, tc.want.desc.Digest.String()) {
			t.Errorf("%s: index labels %v do not keep the manifest alive", tc.platform, labels)
		}
	}
}

func withPlatform(d ocispec.Descriptor, p ocispec.Platform) ocispec.Descriptor {
	d.Platform = &p
	return d
}

func hasValue(m map[string]string, v string) bool {
	for _, x := range m {
		if x == v {
			return true
		}
	}
	return false
}

func TestPullTwiceTransfersNothing(t *testing.T) {
	f := makeImage(t, 4, 3, 2048, linuxAMD64)
	upload(t, shared.addr, "pull/twice:v1", f)
	c := newClient(t)
	ref := shared.addr + "/pull/twice:v1"
	if _, err := c.Pull(ctxT(t), ref, PullOptions{}); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	if _, err := c.Pull(ctxT(t), ref, PullOptions{RemoteOptions: RemoteOptions{Progress: rec.Event}}); err != nil {
		t.Fatal(err)
	}
	if n := rec.count(StatusAlreadyExists); n != 3 {
		t.Errorf("%d layers Already exists, want 3: %v", n, rec.events)
	}
	if n := rec.count(StatusDownloading); n != 0 {
		t.Errorf("second pull downloaded %d times", n)
	}
	if rec.count("Status: Image is up to date for "+ref) != 1 {
		t.Errorf("no up-to-date line in %v", rec.events)
	}
}

// checkNoImage checks an interrupted pull left no record and no ingest
// that a rerun could not use.
func checkNoImage(t *testing.T, c *Client, ref string) {
	t.Helper()
	if _, err := c.Images.Get(ctxT(t), ref); !errdefs.IsNotFound(err) {
		t.Fatalf("interrupted pull left an image record (err %v)", err)
	}
}

func TestPullCancelledThenRerun(t *testing.T) {
	f := makeImage(t, 5, 4, 256<<10, linuxAMD64)
	upload(t, shared.addr, "pull/cancel:v1", f)
	c := newClient(t)
	ref := shared.addr + "/pull/cancel:v1"
	ctx, cancel := context.WithCancel(ctxT(t))
	var once sync.Once
	progress := func(e Event) {
		if e.Status == StatusDownloadComplete {
			once.Do(cancel)
		}
	}
	_, err := c.Pull(ctx, ref, PullOptions{RemoteOptions: RemoteOptions{Progress: progress}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled pull: %v", err)
	}
	checkNoImage(t, c, ref)
	img, err := c.Pull(ctxT(t), ref, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkPulled(t, c, img, f)
}

func TestPullRegistryKilledThenResume(t *testing.T) {
	for _, tc := range []struct {
		name    string
		noRange bool
	}{{"resumes with Range", false}, {"restarts without Range", true}} {
		t.Run(tc.name, func(t *testing.T) { testRegistryKilled(t, tc.noRange) })
	}
}

// testRegistryKilled kills -9 the registry mid-layer, restarts it on the
// same storage and pulls again.
func testRegistryKilled(t *testing.T, noRange bool) {
	reg := ownRegistry(t, "")
	f := makeImage(t, 6, 1, 24<<20, linuxAMD64)
	upload(t, reg.addr, "pull/killed:v1", f)
	var once sync.Once
	p := &proxy{noRange: noRange}
	p.onBlob = func(sent int64) {
		if sent > 4<<20 {
			once.Do(reg.kill)
		}
	}
	addr := startProxy(t, p, reg.addr)
	c := newClient(t)
	ref := addr + "/pull/killed:v1"
	if _, err := c.Pull(ctxT(t), ref, PullOptions{}); err == nil {
		t.Fatal("pull succeeded with the registry killed mid-layer")
	}
	checkNoImage(t, c, ref)
	checkPartialIngest(t, c, f.descs[0].Digest)

	restarted, err := startRegistry(reg.dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(restarted.kill)
	p.upstream.Store(restarted.addr)
	img, err := c.Pull(ctxT(t), ref, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkPulled(t, c, img, f)
	if ranges := p.sawRange(); len(ranges) != 1 || ranges[0] == "bytes=0-" {
		t.Errorf("rerun sent Range headers %q, want one resuming past byte 0", ranges)
	}
}

// checkPartialIngest wants an unfinished ingest of d with some bytes in
// it, the state a resume starts from.
func checkPartialIngest(t *testing.T, c *Client, d digest.Digest) {
	t.Helper()
	ingests, err := c.Content.(*content.Local).ListIngests(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ingests) != 1 || ingests[0].Expected != d || ingests[0].Offset <= 0 || ingests[0].Offset >= ingests[0].Total {
		t.Fatalf("ingests after the interruption: %+v, want one partial ingest of %s", ingests, d)
	}
}

func TestPullProcessKilledThenResume(t *testing.T) {
	f := makeImage(t, 9, 2, 24<<20, linuxAMD64)
	upload(t, shared.addr, "pull/sigkill:v1", f)
	dir := t.TempDir()
	var pid atomic.Int64
	var killed atomic.Bool
	// Kill only once the puller has written part of a layer to disk: what
	// the proxy sent may still sit in socket buffers, and a kill then would
	// leave nothing to resume (a slow, loaded machine showed it).
	written := func() bool {
		cs, err := content.NewLocal(filepath.Join(dir, "content"))
		if err != nil {
			return false
		}
		ingests, _ := cs.ListIngests(context.Background())
		for _, in := range ingests {
			if in.Offset > 1<<20 {
				return true
			}
		}
		return false
	}
	p := &proxy{onBlob: func(sent int64) {
		if sent > 4<<20 && pid.Load() > 0 && !killed.Load() && written() && !killed.Swap(true) {
			syscall.Kill(int(pid.Load()), syscall.SIGKILL) // kill -9 the puller mid-layer
		}
	}}
	addr := startProxy(t, p, shared.addr)
	ref := addr + "/pull/sigkill:v1"
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HULL_TEST_PULL_INTO="+dir, "HULL_TEST_PULL_REF="+ref)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid.Store(int64(cmd.Process.Pid))
	if err := cmd.Wait(); err == nil || !killed.Load() {
		t.Fatalf("the pulling process was not killed mid-pull: %v", err)
	}
	c, err := clientAt(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkNoImage(t, c, ref)
	img, err := c.Pull(ctxT(t), ref, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkPulled(t, c, img, f)
	if ranges := p.sawRange(); len(ranges) == 0 {
		t.Errorf("the rerun resumed nothing")
	}
}

func TestPullCorruptBlobRejected(t *testing.T) {
	f := makeImage(t, 7, 2, 4096, linuxAMD64)
	upload(t, shared.addr, "pull/corrupt:v1", f)
	p := &proxy{corrupt: f.descs[1].Digest}
	addr := startProxy(t, p, shared.addr)
	c := newClient(t)
	ref := addr + "/pull/corrupt:v1"
	_, err := c.Pull(ctxT(t), ref, PullOptions{})
	if err == nil || !strings.Contains(err.Error(), "digest mismatch") || !strings.Contains(err.Error(), f.descs[1].Digest.String()) {
		t.Fatalf("corrupt layer: err = %v, want a digest mismatch naming %s", err, f.descs[1].Digest)
	}
	t.Log(err)
	checkNoImage(t, c, ref)
	if _, err := c.Content.Info(ctxT(t), f.descs[1].Digest); !errdefs.IsNotFound(err) {
		t.Errorf("corrupt layer stored: %v", err)
	}
	ingests, _ := c.Content.(*content.Local).ListIngests(ctxT(t))
	for _, in := range ingests {
		if strings.Contains(in.Ref, f.descs[1].Digest.String()) {
			t.Errorf("corrupt ingest kept for a resume: %+v", in)
		}
	}
}

func TestPullUnknownIsOneLine(t *testing.T) {
	_, err := newClient(t).Pull(ctxT(t), shared.addr+"/pull/nothing:here", PullOptions{})
	if !errdefs.IsNotFound(err) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "manifest unknown") {
		t.Fatalf("err = %v, want one line saying manifest unknown", err)
	}
	t.Log(err)
}

func TestPullMirrors(t *testing.T) {
	f := makeImage(t, 8, 1, 1024, linuxAMD64)
	upload(t, shared.addr, "pull/mirrored:v1", f)
	dead, _ := freeAddr() // nobody listens there
	bad := startProxy(t, &proxy{corrupt: f.descs[0].Digest}, shared.addr)
	for _, tc := range []struct {
		ref     string
		mirrors map[string][]string
	}{
		// The registry cannot be reached; the second mirror serves.
		{"unreachable.invalid/pull/mirrored:v1", map[string][]string{"unreachable.invalid": {dead, "http://" + shared.addr}}},
		// Every mirror fails; the registry itself serves.
		{shared.addr + "/pull/mirrored:v1", map[string][]string{shared.addr: {dead}}},
		// A mirror that serves a bad layer is left for the registry.
		{shared.addr + "/pull/mirrored:v1", map[string][]string{shared.addr: {bad}}},
	} {
		img, err := newClient(t).Pull(ctxT(t), tc.ref, PullOptions{RemoteOptions: RemoteOptions{Mirrors: tc.mirrors}})
		if err != nil {
			t.Fatalf("%s: %v", tc.ref, err)
		}
		if img.Target.Digest != f.desc.Digest {
			t.Fatalf("%s: got %s", tc.ref, img.Target.Digest)
		}
	}
}

func TestConcurrentPullsShareOneStore(t *testing.T) {
	f := makeImage(t, 10, 3, 1<<20, linuxAMD64)
	upload(t, shared.addr, "pull/concurrent:v1", f)
	c := newClient(t)
	ref := shared.addr + "/pull/concurrent:v1"
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.Pull(ctxT(t), ref, PullOptions{}) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	img, err := c.Images.Get(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	checkPulled(t, c, img, f)
}
