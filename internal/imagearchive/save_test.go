package imagearchive

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/image"
)

var (
	baseLayer = map[string]string{"etc/os-release": "ID=test\n", "bin/hello": "#!/bin/sh\necho hi\n"}
	appLayer  = map[string]string{"app/main": "app\n"}
)

func save(t *testing.T, s Stores, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Save(context.Background(), &buf, names, s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSaveLoadRoundTrip(t *testing.T) {
	src := newStores(t)
	want := buildImage(t, src, "example.com/team/app:1", tarOf(t, baseLayer), tarOf(t, appLayer))
	data := save(t, src, "example.com/team/app:1")
	checkArchive(t, data)

	dst := newStores(t)
	imgs, err := Load(context.Background(), bytes.NewReader(data), dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 || imgs[0].Name != "example.com/team/app:1" {
		t.Fatalf("loaded %+v", imgs)
	}
	r := checkLoaded(t, dst, "example.com/team/app:1", want)
	for i, l := range r.Layers {
		if l.MediaType != ocispec.MediaTypeImageLayer || l.Digest != want.diffIDs[i] {
			t.Errorf("layer %d stored as %s %s, want the uncompressed tar %s", i, l.MediaType, l.Digest, want.diffIDs[i])
		}
	}
	// The archive's manifest is kept, so loading it twice, or saving what
	// was loaded, names the same manifest.
	again := save(t, dst, "example.com/team/app:1")
	if !bytes.Equal(again, data) {
		t.Error("saving the loaded image gives a different archive")
	}
}

// checkArchive checks what docker load and OCI readers rely on: every
// path manifest.json names exists, index.json and oci-layout are valid and
// every blob hashes to its name.
func checkArchive(t *testing.T, data []byte) ([]dockerManifestEntry, ocispec.Index) {
	t.Helper()
	files := archiveFiles(t, data)
	for name, body := range files {
		if hex, ok := strings.CutPrefix(name, "blobs/sha256/"); ok && sha256Hex(body) != hex {
			t.Errorf("%s hashes to %s", name, sha256Hex(body))
		}
	}
	var entries []dockerManifestEntry
	if err := json.Unmarshal(files[dockerManifestFile], &entries); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	for _, e := range entries {
		for _, p := range append([]string{e.Config}, e.Layers...) {
			if _, ok := files[p]; !ok {
				t.Errorf("manifest.json names %s, not in the archive", p)
			}
		}
	}
	if string(files[ociLayoutFile]) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Errorf("oci-layout is %q", files[ociLayoutFile])
	}
	idx, err := parseLayout(files[ociLayoutFile], files[ociIndexFile])
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range idx.Manifests {
		checkManifestBlobs(t, files, d)
	}
	return entries, idx
}

func checkManifestBlobs(t *testing.T, files map[string][]byte, d ocispec.Descriptor) {
	t.Helper()
	data, ok := files[blobPath(d.Digest)]
	if !ok || int64(len(data)) != d.Size {
		t.Fatalf("index.json names %s (%d bytes), not in the archive", d.Digest, d.Size)
	}
	doc, err := image.Decode(d.MediaType, data)
	if err != nil || doc.Manifest == nil {
		t.Fatalf("manifest %s: %v", d.Digest, err)
	}
	for _, b := range append([]ocispec.Descriptor{doc.Manifest.Config}, doc.Manifest.Layers...) {
		if int64(len(files[blobPath(b.Digest)])) != b.Size {
			t.Errorf("manifest %s names %s (%d bytes), not in the archive", d.Digest, b.Digest, b.Size)
		}
	}
}

func TestSaveSharesLayers(t *testing.T) {
	s := newStores(t)
	base := tarOf(t, baseLayer)
	a := buildImage(t, s, "a:1", base, tarOf(t, appLayer))
	b := buildImage(t, s, "b:1", base, tarOf(t, map[string]string{"other": "x"}))
	data := save(t, s, "a:1", "b:1", "a:1")
	entries, idx := checkArchive(t, data)
	if len(entries) != 2 || len(idx.Manifests) != 2 {
		t.Fatalf("%d manifest.json entries, %d index.json entries; want 2 each", len(entries), len(idx.Manifests))
	}
	// checkArchive fails on a name written twice; also check the
	// shared layer's bytes are not in the archive under another name.
	if n := bytes.Count(data, base); n != 1 {
		t.Errorf("shared layer written %d times, want once", n)
	}
	if entries[0].Layers[0] != entries[1].Layers[0] {
		t.Errorf("the two images name different files for the shared layer")
	}
	dst := newStores(t)
	if _, err := Load(context.Background(), bytes.NewReader(data), dst); err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, dst, "a:1", a)
	checkLoaded(t, dst, "b:1", b)
}

func TestSaveByIDHasNoTags(t *testing.T) {
	s := newStores(t)
	img := buildImage(t, s, "a:1", tarOf(t, baseLayer))
	data := save(t, s, img.config.Encoded()[:12])
	entries, idx := checkArchive(t, data)
	if len(entries) != 1 || len(entries[0].RepoTags) != 0 || len(idx.Manifests[0].Annotations) != 0 {
		t.Fatalf("saved by ID: %+v, %+v", entries, idx.Manifests)
	}

	// Loading it keeps the image unnamed, as docker load does, and
	// protects it from GC with a root label.
	dst := newStores(t)
	imgs, err := Load(context.Background(), bytes.NewReader(data), dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 || imgs[0].Name != "" || imgs[0].ID != img.config {
		t.Fatalf("loaded %+v", imgs)
	}
	if recs, _ := dst.Images.List(context.Background()); len(recs) != 0 {
		t.Errorf("records %+v for an untagged image", recs)
	}
	res, err := dst.Content.GC(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) != 0 {
		t.Errorf("GC removed %v of an untagged loaded image", res.Removed)
	}
}

func TestSaveUnknownImage(t *testing.T) {
	s := newStores(t)
	err := Save(context.Background(), &bytes.Buffer{}, []string{"nope:1"}, s)
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v", err)
	}
}

// An image whose layers are stored uncompressed, as docker build makes
// them, is saved with its own manifest, and Load takes that manifest from
// index.json instead of building one, so its digest survives.
func TestSaveLoadKeepsUncompressedManifest(t *testing.T) {
	ctx := context.Background()
	src := newStores(t)
	want := buildImageAs(t, src, "plain:1", image.MediaTypeDockerManifest, tarOf(t, baseLayer), tarOf(t, appLayer))
	data := save(t, src, "plain:1")
	checkArchive(t, data)
	dst := newStores(t)
	if _, err := Load(ctx, bytes.NewReader(data), dst); err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, dst, "plain:1", want)
	before, _ := src.Images.Get(ctx, "plain:1")
	after, _ := dst.Images.Get(ctx, "plain:1")
	if after.Target.Digest != before.Target.Digest || after.Target.MediaType != image.MediaTypeDockerManifest {
		t.Errorf("target %+v after load, %+v before", after.Target, before.Target)
	}
}

// An image named by an index is saved as its host-platform image: a
// docker-archive has one platform per image, and the other platforms'
// blobs need not even be in the store.
func TestSaveNarrowsIndexToHostPlatform(t *testing.T) {
	ctx := context.Background()
	s := newStores(t)
	want := buildImage(t, s, "single:1", tarOf(t, baseLayer))
	rec, _ := s.Images.Get(ctx, "single:1")
	host := rec.Target
	host.Platform = &ocispec.Platform{OS: "linux", Architecture: image.DefaultPlatform().Architecture}
	other := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("absent"), Size: 6,
		Platform: &ocispec.Platform{OS: "linux", Architecture: "s390x"}}
	if host.Platform.Architecture == "s390x" {
		other.Platform.Architecture = "riscv64"
	}
	idx := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{other, host}}
	idx.SchemaVersion = 2
	data, _ := json.Marshal(idx)
	target := commit(t, s.Content, ocispec.MediaTypeImageIndex, data, nil)
	if _, err := s.Images.Put(ctx, image.Image{Name: "multi:1", Target: target, ID: want.config}); err != nil {
		t.Fatal(err)
	}
	archive := save(t, s, "multi:1")
	entries, oci := checkArchive(t, archive)
	if len(entries) != 1 || len(oci.Manifests) != 1 || oci.Manifests[0].Platform == nil {
		t.Fatalf("saved %+v and %+v", entries, oci.Manifests)
	}
	dst := newStores(t)
	if _, err := Load(ctx, bytes.NewReader(archive), dst); err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, dst, "multi:1", want)
}
