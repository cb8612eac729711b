package image

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

// blobs is an in-memory content store: the smallest honest Provider.
type blobs map[digest.Digest][]byte

func (b blobs) ReadBlob(_ context.Context, desc ocispec.Descriptor) ([]byte, error) {
	data, ok := b[desc.Digest]
	if !ok {
		return nil, fmt.Errorf("blob %s: %w", desc.Digest, errdefs.ErrNotFound)
	}
	return data, nil
}

// add stores v as JSON and returns its descriptor.
func (b blobs) add(t *testing.T, mediaType string, v any) ocispec.Descriptor {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b.addBytes(mediaType, data)
}

func (b blobs) addBytes(mediaType string, data []byte) ocispec.Descriptor {
	d := digest.FromBytes(data)
	b[d] = data
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

// fakeLayer is a layer descriptor; Resolve never reads layers, so the blob
// need not exist.
func fakeLayer(n int) ocispec.Descriptor {
	data := fmt.Sprintf("layer %d", n)
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: digest.FromString(data), Size: int64(len(data))}
}

// addImage stores a config and a one-layer manifest for platform p and
// returns the manifest's descriptor, platform set as an index would.
func (b blobs) addImage(t *testing.T, p ocispec.Platform, docker bool) ocispec.Descriptor {
	t.Helper()
	layer := fakeLayer(len(b))
	cfg := ocispec.Image{
		Platform: p,
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromString("diff " + layer.Digest.String())}},
	}
	cfgType, mType := ocispec.MediaTypeImageConfig, ocispec.MediaTypeImageManifest
	if docker {
		cfgType, mType = MediaTypeDockerConfig, MediaTypeDockerManifest
		layer.MediaType = MediaTypeDockerLayerGzip
	}
	m := ocispec.Manifest{MediaType: mType, Config: b.add(t, cfgType, cfg), Layers: []ocispec.Descriptor{layer}}
	m.SchemaVersion = 2
	desc := b.add(t, mType, m)
	desc.Platform = &p
	return desc
}

func (b blobs) addIndex(t *testing.T, mediaType string, entries ...ocispec.Descriptor) ocispec.Descriptor {
	t.Helper()
	idx := ocispec.Index{MediaType: mediaType, Manifests: entries}
	idx.SchemaVersion = 2
	return b.add(t, mediaType, idx)
}
