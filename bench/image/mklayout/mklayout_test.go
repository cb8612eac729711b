package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// The point of the generator: one seed, one image, byte for byte.
func TestSameSeedSameImage(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	sa, err := writeLayout(a, "latest", 7, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := writeLayout(b, "latest", 7, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	if sa.manifest != sb.manifest {
		t.Fatalf("same seed, manifests %s and %s", sa.manifest, sb.manifest)
	}
	sc, err := writeLayout(t.TempDir(), "latest", 8, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	if sc.manifest == sa.manifest {
		t.Fatal("another seed made the same image")
	}
}

// Each layer blob must be what its descriptor says and decompress to the
// diff_id the config lists, or no registry or unpacker would take it.
func TestLayoutIsConsistent(t *testing.T) {
	dir := t.TempDir()
	sum, err := writeLayout(dir, "v1", 1, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	var idx ocispec.Index
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	if len(idx.Manifests) != 1 || idx.Manifests[0].Digest != sum.manifest || idx.Manifests[0].Annotations[ocispec.AnnotationRefName] != "v1" {
		t.Fatalf("index: %+v", idx)
	}
	var m ocispec.Manifest
	readJSON(t, blobPath(dir, sum.manifest), &m)
	var cfg ocispec.Image
	readJSON(t, blobPath(dir, m.Config.Digest), &cfg)
	if len(m.Layers) != 7 || len(cfg.RootFS.DiffIDs) != 7 {
		t.Fatalf("%d layers, %d diff_ids", len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	for i, l := range m.Layers {
		blob, err := os.ReadFile(blobPath(dir, l.Digest))
		if err != nil {
			t.Fatal(err)
		}
		if digest.FromBytes(blob) != l.Digest || int64(len(blob)) != l.Size {
			t.Fatalf("layer %d: blob does not match its descriptor", i)
		}
		if got := diffID(t, blob); got != cfg.RootFS.DiffIDs[i] {
			t.Fatalf("layer %d: diff_id %s, config says %s", i, got, cfg.RootFS.DiffIDs[i])
		}
	}
}

// diffID decompresses blob, checking that every tar entry reads.
func diffID(t *testing.T, blob []byte) digest.Digest {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	tr := tar.NewReader(io.TeeReader(zr, &raw))
	for {
		if _, err := tr.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	io.Copy(&raw, zr) // the tar's zero blocks past its end
	return digest.FromBytes(raw.Bytes())
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}
