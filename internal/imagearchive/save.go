package imagearchive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// exportImage is one image to save, narrowed to the host's platform, with
// every name it is saved under. Names that point at the same config are one
// exportImage, as `docker save a b` writes one manifest.json entry with two
// RepoTags when a and b are the same image.
type exportImage struct {
	tags     []image.Reference // none when the image was named by ID
	resolved image.Resolved
	diffIDs  []digest.Digest
}

// Save writes the images that names refer to as a docker-archive tarball,
// the format `docker save` writes and `docker load` reads: manifest.json
// lists each image's config, tags and layer files. As Docker 25 and later
// do, every file is a blob under blobs/sha256/ and the archive also carries
// oci-layout and index.json, so the same file is an OCI image layout
// archive too (skopeo's oci-archive:, containerd's import).
//
// A name is a reference or an image ID (or a prefix of one); an image saved
// by ID gets no RepoTags, as with docker. An index is narrowed to the host's
// platform, since a docker-archive holds one platform per image. Layers are
// written uncompressed, because docker-archive readers take a layer file's
// sha256 to be its diff_id; a gzip or zstd layer is decompressed on the fly,
// in two passes (one to learn the size the tar header needs and to check the
// diff_id before anything is written, one to copy). A layer shared by
// several images is written once.
func Save(ctx context.Context, w io.Writer, names []string, s Stores) error {
	imgs, err := collect(ctx, s, names)
	if err != nil {
		return err
	}
	aw := newArchiveWriter(w)
	var entries []dockerManifestEntry
	var index ocispec.Index
	for _, img := range imgs {
		entry, descs, err := aw.writeImage(ctx, s.Content, img)
		if err != nil {
			return err
		}
		entries = append(entries, entry)
		index.Manifests = append(index.Manifests, descs...)
	}
	if err := aw.writeMetadata(entries, index); err != nil {
		return err
	}
	return aw.close()
}

// collect looks up every name and groups the names by image.
func collect(ctx context.Context, s Stores, names []string) ([]*exportImage, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("no images to save: %w", errdefs.ErrInvalidArgument)
	}
	byID := map[digest.Digest]*exportImage{}
	var out []*exportImage
	for _, key := range names {
		rec, tag, err := lookup(ctx, s.Images, key)
		if err != nil {
			return nil, err
		}
		r, err := image.Resolve(ctx, s.Content, rec.Target, image.DefaultPlatform())
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", key, err)
		}
		e := byID[r.Config.Digest]
		if e == nil {
			cfg, err := image.ReadConfig(ctx, s.Content, r)
			if err != nil {
				return nil, fmt.Errorf("image %s: %w", key, err)
			}
			e = &exportImage{resolved: r, diffIDs: cfg.RootFS.DiffIDs}
			byID[r.Config.Digest] = e
			out = append(out, e)
		}
		if tag != nil && !hasTag(e.tags, *tag) {
			e.tags = append(e.tags, *tag)
		}
	}
	return out, nil
}

// lookup finds the record key names, and the reference to save it under
// when key is a name rather than an ID.
func lookup(ctx context.Context, images *image.Store, key string) (image.Image, *image.Reference, error) {
	recs, err := images.Lookup(ctx, key)
	if err != nil {
		return image.Image{}, nil, fmt.Errorf("image %s: %w", key, err)
	}
	rec := recs[0]
	ref, err := image.ParseNormalized(key)
	if err == nil && ref.String() == rec.Name && ref.Tag != "" && ref.Digest == "" {
		return rec, &ref, nil
	}
	return rec, nil, nil
}

func hasTag(tags []image.Reference, t image.Reference) bool {
	for _, have := range tags {
		if have == t {
			return true
		}
	}
	return false
}

// indexEntries are img's entries in index.json: one per name, annotated the
// way Docker 25+ and containerd do, or one without a name.
func indexEntries(img *exportImage, manifest ocispec.Descriptor) []ocispec.Descriptor {
	if len(img.tags) == 0 {
		return []ocispec.Descriptor{manifest}
	}
	var out []ocispec.Descriptor
	for _, t := range img.tags {
		d := manifest
		d.Annotations = map[string]string{
			annotationImageName: t.String(),
			annotationRefName:   t.Tag,
		}
		out = append(out, d)
	}
	return out
}

// uncompressedManifest is the manifest of an image whose layers are the
// uncompressed tars in layers. When the stored manifest already names
// exactly those blobs it is kept byte for byte, so the image's manifest
// digest survives a save and load; otherwise an OCI manifest is built, as
// Docker 25+ does for images whose registry layers were compressed.
func uncompressedManifest(ctx context.Context, cs ContentStore, r image.Resolved, layers []ocispec.Descriptor) (ocispec.Descriptor, []byte, error) {
	same := len(layers) == len(r.Layers)
	for i := range layers {
		same = same && layers[i].Digest == r.Layers[i].Digest
	}
	if same {
		data, err := cs.ReadBlob(ctx, r.ManifestDesc)
		if err != nil {
			return ocispec.Descriptor{}, nil, err
		}
		d := r.ManifestDesc
		d.Annotations = nil
		return d, data, nil
	}
	return buildManifest(r.Config, layers, r.ManifestDesc.Platform)
}

// buildManifest makes an OCI manifest for config and layers. The config's
// media type becomes OCI's: Docker's image config is the same document.
func buildManifest(config ocispec.Descriptor, layers []ocispec.Descriptor, platform *ocispec.Platform) (ocispec.Descriptor, []byte, error) {
	config = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: config.Digest, Size: config.Size}
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: config, Layers: layers}
	m.SchemaVersion = 2
	data, err := json.Marshal(m)
	if err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	d := ocispec.Descriptor{
		MediaType: ocispec.MediaTypeImageManifest,
		Digest:    digest.FromBytes(data),
		Size:      int64(len(data)),
		Platform:  platform,
	}
	return d, data, nil
}
