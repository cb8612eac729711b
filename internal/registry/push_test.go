package registry

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/image"
)

// store puts f's blobs into c's content store and names it ref, as a
// build or a load would, without any registry.
func store(t *testing.T, c *Client, ref string, f fixture) {
	t.Helper()
	ctx := ctxT(t)
	blobs := append(append([][]byte{}, f.layers...), f.config, f.manifest)
	for _, b := range blobs {
		d := digest.FromBytes(b)
		w, err := c.Content.Ingest(ctx, "test-"+d.String(), d, int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
		if err := w.Commit(nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Images.Put(ctx, image.Image{Name: ref, Target: f.desc, ID: digest.FromBytes(f.config)}); err != nil {
		t.Fatal(err)
	}
}

func TestPushThenPullRoundTrip(t *testing.T) {
	f := makeImage(t, 20, 3, 8192, linuxAMD64)
	src := newClient(t)
	store(t, src, "local/built:1", f)
	var rec recorder
	opts := PushOptions{RemoteOptions{Progress: rec.Event}}
	target := shared.addr + "/" + uniq("push/built") + ":1"
	if err := src.Push(ctxT(t), "local/built:1", target, opts); err != nil {
		t.Fatal(err)
	}
	if n := rec.count(StatusPushed); n != 3 {
		t.Errorf("%d layers Pushed, want 3: %v", n, rec.events)
	}
	dst := newClient(t)
	img, err := dst.Pull(ctxT(t), target, PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Target.Digest != f.desc.Digest || img.ID != digest.FromBytes(f.config) {
		t.Fatalf("round trip changed the image: %s id %s, pushed %s", img.Target.Digest, img.ID, f.desc.Digest)
	}
	checkPulled(t, dst, img, f)

	// Again: the registry has every blob now.
	rec = recorder{}
	if err := src.Push(ctxT(t), "local/built:1", target, PushOptions{RemoteOptions{Progress: rec.Event}}); err != nil {
		t.Fatal(err)
	}
	if n := rec.count(StatusLayerExists); n != 3 {
		t.Errorf("second push: %d layers already there, want 3: %v", n, rec.events)
	}
}

func TestPushMountsFromAnotherRepository(t *testing.T) {
	f := makeImage(t, 21, 2, 4096, linuxAMD64)
	upload(t, shared.addr, "push/origin:v1", f)
	c := newClient(t)
	if _, err := c.Pull(ctxT(t), shared.addr+"/push/origin:v1", PullOptions{}); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	target := shared.addr + "/" + uniq("push/copy") + ":v2"
	err := c.Push(ctxT(t), shared.addr+"/push/origin:v1", target, PushOptions{RemoteOptions{Progress: rec.Event}})
	if err != nil {
		t.Fatal(err)
	}
	if n := rec.count(StatusMounted + " push/origin"); n != 2 {
		t.Errorf("%d layers mounted, want 2: %v", n, rec.events)
	}
	img, err := newClient(t).Pull(ctxT(t), target, PullOptions{})
	if err != nil || img.Target.Digest != f.desc.Digest {
		t.Fatalf("pull of the copy: %v, %s", err, img.Target.Digest)
	}
}

func TestPushIndex(t *testing.T) {
	amd := makeImage(t, 22, 1, 1024, linuxAMD64)
	arm := makeImage(t, 23, 1, 1024, ocispec.Platform{OS: "linux", Architecture: "arm64"})
	idx := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{
		withPlatform(amd.desc, linuxAMD64), withPlatform(arm.desc, ocispec.Platform{OS: "linux", Architecture: "arm64"})}}
	idx.SchemaVersion = 2
	data := mustJSON(t, idx)
	idxDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: digest.FromBytes(data), Size: int64(len(data))}
	upload(t, shared.addr, "push/multisrc", amd)
	upload(t, shared.addr, "push/multisrc", arm)
	repo, _ := name.NewRepository(shared.addr+"/push/multisrc", name.Insecure)
	putManifest(t, repo, "push/multisrc:v1", data, idxDesc)

	c := newClient(t)
	src := shared.addr + "/push/multisrc:v1"
	dst := shared.addr + "/" + uniq("push/multi") + ":v1"
	if _, err := c.Pull(ctxT(t), src, PullOptions{Platform: image.Platform{OS: "linux", Architecture: "amd64"}}); err != nil {
		t.Fatal(err)
	}
	// One platform is not enough to push the index.
	err := c.Push(ctxT(t), src, dst, PushOptions{})
	if err == nil || !strings.Contains(err.Error(), "linux/arm64") {
		t.Fatalf("push of a partial index: %v", err)
	}
	if _, err := c.Pull(ctxT(t), src, PullOptions{Platform: image.Platform{OS: "linux", Architecture: "arm64"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Push(ctxT(t), src, dst, PushOptions{}); err != nil {
		t.Fatal(err)
	}
	img, err := newClient(t).Pull(ctxT(t), dst, PullOptions{Platform: image.Platform{OS: "linux", Architecture: "arm64"}})
	if err != nil {
		t.Fatal(err)
	}
	if img.Target.Digest != idxDesc.Digest || img.ID != digest.FromBytes(arm.config) {
		t.Fatalf("pushed index came back as %s id %s", img.Target.Digest, img.ID)
	}
}
