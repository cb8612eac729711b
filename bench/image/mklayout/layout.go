package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// epoch is every timestamp in the image: a fixed one, so that configs and
// tar headers do not change from run to run.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// summary is what writeLayout made, for the caller to print.
type summary struct {
	manifest     digest.Digest
	layers       int
	compressed   int64
	uncompressed int64
}

// writeLayout writes the image as an OCI image layout in dir, named tag in
// its index.
func writeLayout(dir, tag string, seed int64, scale float64) (summary, error) {
	var sum summary
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return sum, fmt.Errorf("creating layout: %w", err)
	}
	g := newGenerator(seed, scale)
	var layers []ocispec.Descriptor
	var diffIDs []digest.Digest
	var history []ocispec.History
	for i, l := range g.layers() {
		lw, err := newLayerWriter(dir, g.rngFor(i))
		if err != nil {
			return sum, err
		}
		if err := l.build(lw); err != nil {
			lw.abort()
			return sum, fmt.Errorf("building layer %q: %w", l.name, err)
		}
		desc, diffID, size, err := lw.finish()
		if err != nil {
			return sum, fmt.Errorf("writing layer %q: %w", l.name, err)
		}
		layers = append(layers, desc)
		diffIDs = append(diffIDs, diffID)
		history = append(history, ocispec.History{Created: &epoch, CreatedBy: "mklayout: " + l.name})
		sum.compressed += desc.Size
		sum.uncompressed += size
	}
	sum.layers = len(layers)
	manifest, err := writeManifest(dir, layers, diffIDs, history)
	if err != nil {
		return sum, err
	}
	sum.manifest = manifest.Digest
	return sum, writeIndex(dir, tag, manifest)
}

// writeManifest writes the config and the manifest that names it and the
// layers, and returns the manifest's descriptor.
func writeManifest(dir string, layers []ocispec.Descriptor, diffIDs []digest.Digest, history []ocispec.History) (ocispec.Descriptor, error) {
	cfg := ocispec.Image{
		Created:  &epoch,
		Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: diffIDs},
		History:  history,
	}
	cfg.Config.Cmd = []string{"/bin/sh"}
	cfg.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	config, err := writeJSON(dir, ocispec.MediaTypeImageConfig, cfg)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("writing config: %w", err)
	}
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    config,
		Layers:    layers,
	}
	desc, err := writeJSON(dir, ocispec.MediaTypeImageManifest, m)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("writing manifest: %w", err)
	}
	return desc, nil
}

// writeIndex writes index.json naming manifest by tag, and oci-layout.
func writeIndex(dir, tag string, manifest ocispec.Descriptor) error {
	manifest.Annotations = map[string]string{ocispec.AnnotationRefName: tag}
	idx := ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageIndex,
		Manifests: []ocispec.Descriptor{manifest},
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ocispec.ImageIndexFile), data, 0o644); err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	layout, err := json.Marshal(ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ocispec.ImageLayoutFile), layout, 0o644); err != nil {
		return fmt.Errorf("writing oci-layout: %w", err)
	}
	return nil
}

// writeJSON stores v as a blob of the layout and returns its descriptor.
func writeJSON(dir, mediaType string, v any) (ocispec.Descriptor, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	d := digest.FromBytes(data)
	if err := os.WriteFile(blobPath(dir, d), data, 0o644); err != nil {
		return ocispec.Descriptor{}, err
	}
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}, nil
}

func blobPath(dir string, d digest.Digest) string {
	return filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
}
