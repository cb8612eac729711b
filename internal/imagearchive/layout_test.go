package imagearchive

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestLayoutRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := newStores(t)
	base := tarOf(t, baseLayer)
	a := buildImage(t, src, "example.com/a:1", base, tarOf(t, appLayer))
	b := buildImage(t, src, "b:2", base)
	dir := filepath.Join(t.TempDir(), "layout")
	if err := ExportLayout(ctx, dir, []string{"example.com/a:1"}, src); err != nil {
		t.Fatal(err)
	}
	// A second export adds to the layout, as skopeo's oci:DIR does.
	if err := ExportLayout(ctx, dir, []string{"b:2", "example.com/a:1"}, src); err != nil {
		t.Fatal(err)
	}
	idx := readIndex(t, dir)
	if len(idx.Manifests) != 2 {
		t.Fatalf("index.json has %d entries, want 2: %+v", len(idx.Manifests), idx.Manifests)
	}
	checkLayoutBlobs(t, dir)

	dst := newStores(t)
	imgs, err := ImportLayout(ctx, dir, dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 {
		t.Fatalf("imported %+v", imgs)
	}
	// Blobs are kept as stored: the layers stay gzip-compressed and the
	// manifest is the original one.
	ra := checkLoaded(t, dst, "example.com/a:1", a)
	if ra.Layers[0].MediaType != ocispec.MediaTypeImageLayerGzip {
		t.Errorf("layer stored as %s", ra.Layers[0].MediaType)
	}
	srcRec, _ := src.Images.Get(ctx, "example.com/a:1")
	dstRec, _ := dst.Images.Get(ctx, "example.com/a:1")
	if srcRec.Target.Digest != dstRec.Target.Digest {
		t.Errorf("manifest %s after import, %s before", dstRec.Target.Digest, srcRec.Target.Digest)
	}
	checkLoaded(t, dst, "b:2", b)
}

func TestImportLayoutRejectsTamperedBlob(t *testing.T) {
	ctx := context.Background()
	src := newStores(t)
	a := buildImage(t, src, "a:1", tarOf(t, baseLayer))
	dir := t.TempDir()
	if err := ExportLayout(ctx, dir, []string{"a:1"}, src); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, blobPath(a.config))
	data, _ := os.ReadFile(p)
	data = []byte(strings.Replace(string(data), "/bin/sh", "/bin/xx", 1))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dst := newStores(t)
	_, err := ImportLayout(ctx, dir, dst)
	if err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("err = %v", err)
	}
	checkNoRecords(t, dst)
}

func TestImportLayoutNotALayout(t *testing.T) {
	_, err := ImportLayout(context.Background(), t.TempDir(), newStores(t))
	if err == nil || !strings.Contains(err.Error(), "not an OCI image layout") {
		t.Fatalf("err = %v", err)
	}
}

func readIndex(t *testing.T, dir string) ocispec.Index {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ociIndexFile))
	if err != nil {
		t.Fatal(err)
	}
	var idx ocispec.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

// checkLayoutBlobs checks every file under blobs/sha256 hashes to its name
// and no temporary file is left.
func checkLayoutBlobs(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if sha256Hex(data) != e.Name() {
			t.Errorf("blobs/sha256/%s hashes to %s", e.Name(), sha256Hex(data))
		}
	}
}
