package imagearchive

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// legacyArchive builds the layout `docker save` wrote before Docker 25:
// <id>/layer.tar with its v1 json and VERSION, <config hex>.json,
// manifest.json and repositories. The second image shares the first
// layer through a symlink, as docker wrote duplicates.
func legacyArchive(t testing.TB, layer1, layer2 []byte) ([]byte, testImage) {
	t.Helper()
	diffIDs := []digest.Digest{digest.FromBytes(layer1), digest.FromBytes(layer2)}
	cfg := mustJSON(t, ocispec.Image{
		Platform: image.DefaultPlatform().OCI(),
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: diffIDs},
	})
	cfg1 := mustJSON(t, ocispec.Image{
		Platform: image.DefaultPlatform().OCI(),
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: diffIDs[:1]},
	})
	manifest := mustJSON(t, []dockerManifestEntry{
		{Config: sha256Hex([]byte(cfg)) + ".json", RepoTags: []string{"legacy:1", "example.com/legacy:latest"}, Layers: []string{"aaa/layer.tar", "bbb/layer.tar"}},
		{Config: sha256Hex([]byte(cfg1)) + ".json", RepoTags: []string{"base:1"}, Layers: []string{"ccc/layer.tar"}},
	})
	data := makeArchive(t,
		entry{name: "aaa/VERSION", body: "1.0"},
		entry{name: "aaa/json", body: `{"id":"aaa"}`},
		entry{name: "aaa/layer.tar", body: string(layer1)},
		entry{name: "bbb/VERSION", body: "1.0"},
		entry{name: "bbb/json", body: `{"id":"bbb","parent":"aaa"}`},
		entry{name: "bbb/layer.tar", body: string(layer2)},
		entry{name: "ccc/layer.tar", link: "../aaa/layer.tar"},
		entry{name: sha256Hex([]byte(cfg)) + ".json", body: cfg},
		entry{name: sha256Hex([]byte(cfg1)) + ".json", body: cfg1},
		entry{name: "repositories", body: `{"legacy":{"1":"bbb"}}`},
		entry{name: "manifest.json", body: manifest},
	)
	return data, testImage{config: digest.FromString(cfg), diffIDs: diffIDs}
}

func TestLoadLegacyDockerArchive(t *testing.T) {
	data, want := legacyArchive(t, tarOf(t, baseLayer), tarOf(t, appLayer))
	s := newStores(t)
	imgs, err := Load(context.Background(), bytes.NewReader(data), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 3 {
		t.Fatalf("loaded %d records, want 3: %+v", len(imgs), imgs)
	}
	checkLoaded(t, s, "legacy:1", want)
	checkLoaded(t, s, "example.com/legacy", want)
	base := testImage{config: imgs[2].ID, diffIDs: want.diffIDs[:1]}
	checkLoaded(t, s, "base:1", base)
}

// Docker accepts layer files that are compressed; so does hull, storing
// them as given under their compressed media type.
func TestLoadCompressedLegacyLayer(t *testing.T) {
	l1, l2 := tarOf(t, baseLayer), tarOf(t, appLayer)
	data, want := legacyArchive(t, l1, l2)
	data = bytes.Replace(data, l2, gzipPadded(t, l2, len(l2)), 1)
	s := newStores(t)
	if _, err := Load(context.Background(), bytes.NewReader(data), s); err != nil {
		t.Fatal(err)
	}
	r := checkLoaded(t, s, "legacy:1", want)
	if r.Layers[1].MediaType != ocispec.MediaTypeImageLayerGzip {
		t.Errorf("compressed layer stored as %s", r.Layers[1].MediaType)
	}
}

// gzipPadded compresses data to exactly size bytes, so it can replace data
// inside a tar without rewriting headers: the padding goes into the gzip
// header's extra field, which readers skip.
func gzipPadded(t *testing.T, data []byte, size int) []byte {
	t.Helper()
	z := gzipOf(t, data)
	if len(z) > size {
		t.Fatalf("compressed layer (%d) larger than the original (%d)", len(z), size)
	}
	// FLG.FEXTRA: XLEN bytes of extra data follow the 10-byte header.
	pad := size - len(z) - 2
	out := append([]byte{}, z[:10]...)
	out[3] |= 0x04
	out = append(out, byte(pad), byte(pad>>8))
	out = append(out, make([]byte, pad)...)
	return append(out, z[10:]...)
}

func TestLoadRejectsTamperedLegacyLayer(t *testing.T) {
	l1 := tarOf(t, baseLayer)
	data, _ := legacyArchive(t, l1, tarOf(t, appLayer))
	tampered := bytes.Replace(data, []byte("echo hi"), []byte("echo HI"), 1)
	s := newStores(t)
	_, err := Load(context.Background(), bytes.NewReader(tampered), s)
	if err == nil || !strings.Contains(err.Error(), "diff_id") || !strings.Contains(err.Error(), "tampered") {
		t.Fatalf("err = %v, want a diff_id mismatch", err)
	}
	if !errorsIsInvalid(err) {
		t.Errorf("err %v does not wrap ErrInvalidArgument", err)
	}
	checkNoRecords(t, s)
}

func TestLoadRejectsTamperedBlob(t *testing.T) {
	src := newStores(t)
	buildImage(t, src, "a:1", tarOf(t, baseLayer), tarOf(t, appLayer))
	data := save(t, src, "a:1")
	tampered := bytes.Replace(data, []byte("app\n"), []byte("APP\n"), 1)
	s := newStores(t)
	_, err := Load(context.Background(), bytes.NewReader(tampered), s)
	if err == nil || !strings.Contains(err.Error(), "not to its name") {
		t.Fatalf("err = %v, want a digest mismatch", err)
	}
	checkNoRecords(t, s)
}

func errorsIsInvalid(err error) bool { return errors.Is(err, errdefs.ErrInvalidArgument) }

func checkNoRecords(t *testing.T, s Stores) {
	t.Helper()
	recs, err := s.Images.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 0 {
		t.Errorf("a failed load left records: %+v", recs)
	}
}

func TestLoadRefusesPathEscape(t *testing.T) {
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	for _, name := range []string{"../escaped", "blobs/../../escaped", "/escaped", "a/../../escaped"} {
		s := newStores(t)
		data := makeArchive(t, entry{name: name, body: "x"}, entry{name: "manifest.json", body: "[]"})
		_, err := Load(context.Background(), bytes.NewReader(data), s)
		if err == nil || !errorsIsInvalid(err) {
			t.Errorf("%s: err = %v, want a refusal", name, err)
		}
		checkNoRecords(t, s)
	}
	for _, link := range []string{"../../escaped", "/etc/passwd"} {
		data := makeArchive(t, entry{name: "a/layer.tar", link: link})
		if _, err := Load(context.Background(), bytes.NewReader(data), newStores(t)); err == nil {
			t.Errorf("link to %s: loaded", link)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "escaped")); err == nil {
		t.Error("a file was written outside the archive")
	}
}

func TestLoadRefusesDuplicateEntry(t *testing.T) {
	data := makeArchive(t, entry{name: "manifest.json", body: "[]"}, entry{name: "./manifest.json", body: "[]"})
	_, err := Load(context.Background(), bytes.NewReader(data), newStores(t))
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadNotAnArchive(t *testing.T) {
	data := makeArchive(t, entry{name: "hello", body: "x"})
	_, err := Load(context.Background(), bytes.NewReader(data), newStores(t))
	if err == nil || !strings.Contains(err.Error(), "neither") {
		t.Fatalf("err = %v", err)
	}
}

// An OCI layout archive without manifest.json (skopeo's oci-archive,
// buildkit's oci exporter) loads by its index.json names.
func TestLoadOCIArchive(t *testing.T) {
	src := newStores(t)
	want := buildImage(t, src, "example.com/a:1", tarOf(t, baseLayer), tarOf(t, appLayer))
	files := archiveFiles(t, save(t, src, "example.com/a:1"))
	var entries []entry
	for name, body := range files {
		if name != dockerManifestFile {
			entries = append(entries, entry{name: name, body: string(body)})
		}
	}
	s := newStores(t)
	imgs, err := Load(context.Background(), bytes.NewReader(makeArchive(t, entries...)), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 || imgs[0].Name != "example.com/a:1" {
		t.Fatalf("loaded %+v", imgs)
	}
	checkLoaded(t, s, "example.com/a:1", want)
}

func TestEntryName(t *testing.T) {
	for _, tc := range []struct {
		ann  map[string]string
		want string
	}{
		{map[string]string{annotationImageName: "docker.io/library/busybox:1", annotationRefName: "1"}, "docker.io/library/busybox:1"},
		{map[string]string{annotationRefName: "busybox:1.36"}, "docker.io/library/busybox:1.36"},
		{map[string]string{annotationRefName: "latest"}, ""},
		{nil, ""},
	} {
		ref, ok := entryName(tc.ann)
		got := ""
		if ok {
			got = ref.String()
		}
		if got != tc.want {
			t.Errorf("entryName(%v) = %q, want %q", tc.ann, got, tc.want)
		}
	}
}
