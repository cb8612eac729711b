package imagearchive

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/image"
)

// skopeo reads and writes these formats with its own implementation
// (containers/image), so it is a real peer checking hull's files. CI does
// not install it; the test skips without it.
func skopeo(t *testing.T, args ...string) []byte {
	t.Helper()
	path, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("skopeo not installed")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(path, append([]string{"--insecure-policy"}, args...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("skopeo %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// inspected is the part of `skopeo inspect` output the tests compare.
type inspected struct {
	Digest digest.Digest
	Layers []digest.Digest
}

func skopeoInspect(t *testing.T, ref string) inspected {
	t.Helper()
	var got inspected
	if err := json.Unmarshal(skopeo(t, "inspect", ref), &got); err != nil {
		t.Fatalf("skopeo inspect %s: %v", ref, err)
	}
	return got
}

func skopeoConfig(t *testing.T, ref string) digest.Digest {
	t.Helper()
	return digest.FromBytes(skopeo(t, "inspect", "--config", "--raw", ref))
}

func TestSkopeoReadsSavedArchive(t *testing.T) {
	for _, mt := range []string{ocispec.MediaTypeImageManifest, image.MediaTypeDockerManifest} {
		t.Run(mt, func(t *testing.T) { testSkopeoReadsSavedArchive(t, mt) })
	}
}

func testSkopeoReadsSavedArchive(t *testing.T, manifestType string) {
	src := newStores(t)
	want := buildImageAs(t, src, "example.com/a:1", manifestType, tarOf(t, baseLayer), tarOf(t, appLayer))
	file := filepath.Join(t.TempDir(), "a.tar")
	if err := os.WriteFile(file, save(t, src, "example.com/a:1"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"docker-archive:" + file, "oci-archive:" + file} {
		got := skopeoInspect(t, ref)
		if !equalDigests(got.Layers, want.diffIDs) {
			t.Errorf("%s: layers %v, want the diff_ids %v", ref, got.Layers, want.diffIDs)
		}
		if c := skopeoConfig(t, ref); c != want.config {
			t.Errorf("%s: config %s, want %s", ref, c, want.config)
		}
	}
	// skopeo copy reads every blob and checks its digest.
	dir := filepath.Join(t.TempDir(), "copy")
	skopeo(t, "copy", "docker-archive:"+file, "oci:"+dir+":1")
}

func TestSkopeoReadsExportedLayout(t *testing.T) {
	src := newStores(t)
	want := buildImage(t, src, "example.com/a:1", tarOf(t, baseLayer), tarOf(t, appLayer))
	dir := filepath.Join(t.TempDir(), "layout")
	if err := ExportLayout(context.Background(), dir, []string{"example.com/a:1"}, src); err != nil {
		t.Fatal(err)
	}
	if c := skopeoConfig(t, "oci:"+dir+":1"); c != want.config {
		t.Errorf("config %s, want %s", c, want.config)
	}
	skopeo(t, "copy", "oci:"+dir+":1", "dir:"+filepath.Join(t.TempDir(), "copy"))
}

// What skopeo writes, hull loads: a docker-archive and an OCI layout made
// by containers/image from hull's layout.
func TestLoadSkopeoOutput(t *testing.T) {
	src := newStores(t)
	want := buildImage(t, src, "example.com/a:1", tarOf(t, baseLayer), tarOf(t, appLayer))
	dir := filepath.Join(t.TempDir(), "layout")
	if err := ExportLayout(context.Background(), dir, []string{"example.com/a:1"}, src); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	archive := filepath.Join(tmp, "d.tar")
	skopeo(t, "copy", "oci:"+dir+":1", "docker-archive:"+archive+":example.com/b:2")
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dst := newStores(t)
	if _, err := Load(context.Background(), f, dst); err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, dst, "example.com/b:2", want)

	layout := filepath.Join(tmp, "oci")
	skopeo(t, "copy", "oci:"+dir+":1", "oci:"+layout+":example.com/c:3")
	dst = newStores(t)
	if _, err := ImportLayout(context.Background(), layout, dst); err != nil {
		t.Fatal(err)
	}
	checkLoaded(t, dst, "example.com/c:3", want)
}
