package imagearchive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/image"
)

// newStores opens a real content store and image store in a fresh
// directory.
func newStores(t testing.TB) Stores {
	t.Helper()
	dir := t.TempDir()
	cs, err := content.NewLocal(filepath.Join(dir, "content"))
	if err != nil {
		t.Fatal(err)
	}
	is, err := image.NewStore(filepath.Join(dir, "images"))
	if err != nil {
		t.Fatal(err)
	}
	return Stores{Content: cs, Images: is}
}

// tarOf makes an uncompressed layer of regular files.
func tarOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipOf(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// commit stores data as a blob and returns its descriptor.
func commit(t testing.TB, cs ContentStore, mediaType string, data []byte, labels map[string]string) ocispec.Descriptor {
	t.Helper()
	d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
	if err := putBlob(context.Background(), cs, d, data, labels); err != nil {
		t.Fatal(err)
	}
	return d
}

// testImage is an image built into a store by buildImage.
type testImage struct {
	name    string
	config  digest.Digest
	diffIDs []digest.Digest
}

// buildImage commits an image of the given uncompressed layers, each
// stored gzip-compressed as registries serve them, and names it.
func buildImage(t testing.TB, s Stores, name string, layers ...[]byte) testImage {
	t.Helper()
	return buildImageAs(t, s, name, ocispec.MediaTypeImageManifest, layers...)
}

// buildImageAs builds an image with a manifest of mediaType: an OCI one
// with gzip layers, or a Docker one with uncompressed layers, as
// `docker build` stores images locally.
func buildImageAs(t testing.TB, s Stores, name, mediaType string, layers ...[]byte) testImage {
	t.Helper()
	ctx := context.Background()
	var diffIDs []digest.Digest
	var descs []ocispec.Descriptor
	for _, l := range layers {
		diffIDs = append(diffIDs, digest.FromBytes(l))
		if mediaType == image.MediaTypeDockerManifest {
			descs = append(descs, commit(t, s.Content, image.MediaTypeDockerLayer, l, nil))
		} else {
			descs = append(descs, commit(t, s.Content, ocispec.MediaTypeImageLayerGzip, gzipOf(t, l), nil))
		}
	}
	cfg := ocispec.Image{
		Platform: image.DefaultPlatform().OCI(),
		Config:   ocispec.ImageConfig{Cmd: []string{"/bin/sh"}, Env: []string{"IMAGE=" + name}},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: diffIDs},
	}
	cfgData, _ := json.Marshal(cfg)
	config := commit(t, s.Content, ocispec.MediaTypeImageConfig, cfgData, nil)
	m := ocispec.Manifest{MediaType: mediaType, Config: config, Layers: descs}
	m.SchemaVersion = 2
	mData, _ := json.Marshal(m)
	md := commit(t, s.Content, mediaType, mData, manifestLabels(config, descs))
	if _, err := s.Images.Put(ctx, image.Image{Name: name, Target: md, ID: config.Digest}); err != nil {
		t.Fatal(err)
	}
	return testImage{name: name, config: config.Digest, diffIDs: diffIDs}
}

// checkLoaded resolves name in s and checks it is want, with every layer
// in the store.
func checkLoaded(t testing.TB, s Stores, name string, want testImage) image.Resolved {
	t.Helper()
	ctx := context.Background()
	rec, err := s.Images.Get(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID != want.config {
		t.Errorf("%s: ID %s, want %s", name, rec.ID, want.config)
	}
	r, err := image.Resolve(ctx, s.Content, rec.Target, image.DefaultPlatform())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := image.ReadConfig(ctx, s.Content, r)
	if err != nil {
		t.Fatal(err)
	}
	if r.Config.Digest != want.config {
		t.Errorf("%s: config %s, want %s", name, r.Config.Digest, want.config)
	}
	if !equalDigests(cfg.RootFS.DiffIDs, want.diffIDs) {
		t.Errorf("%s: diff_ids %v, want %v", name, cfg.RootFS.DiffIDs, want.diffIDs)
	}
	for _, l := range r.Layers {
		if _, err := s.Content.Info(ctx, l.Digest); err != nil {
			t.Errorf("%s: layer %s: %v", name, l.Digest, err)
		}
	}
	return r
}

func equalDigests(a, b []digest.Digest) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// archiveFiles reads a tarball into a map of its regular files, failing
// the test on any name twice.
func archiveFiles(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if _, dup := files[hdr.Name]; dup {
			t.Fatalf("%s appears twice", hdr.Name)
		}
		files[hdr.Name], _ = io.ReadAll(tr)
	}
}

// entry is one file of a hand-built archive; link makes it a symlink.
type entry struct {
	name, body, link string
}

// makeArchive writes entries as a tarball, in the order given.
func makeArchive(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.link != "" {
			hdr = &tar.Header{Name: e.name, Mode: 0o777, Typeflag: tar.TypeSymlink, Linkname: e.link}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
