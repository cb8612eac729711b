package imagearchive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/archive"
	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// Load reads a docker-archive tarball (the legacy layout of `docker save`
// before Docker 25, with <id>/layer.tar files, and the blobs/ layout since)
// or an OCI image layout archive, stores its blobs in the content store and
// records its images, and returns the images it loaded.
//
// manifest.json decides when present; index.json and oci-layout are read
// only when it is absent. Every blob is verified: a file named by a digest
// must hash to it, and a docker-archive layer must hash to the config's
// diff_id (after decompression, if the archive carried it compressed). Any
// mismatch fails the load before a single image is recorded.
//
// Each RepoTag or index name becomes an image record. An image without a
// name is loaded as `docker load` does, kept but unnamed: it is returned
// with an empty Name (print "Loaded image ID: " and its ID), and its
// manifest is labelled a GC root since no record keeps it.
func Load(ctx context.Context, r io.Reader, s Stores) ([]image.Image, error) {
	release, err := s.Content.Lease(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	sp := newSpool(s.Content)
	if err := sp.read(ctx, r); err != nil {
		return nil, err
	}
	var plans []loadPlan
	switch {
	case sp.meta[dockerManifestFile] != nil:
		plans, err = planDockerArchive(ctx, sp)
	case sp.meta[ociIndexFile] != nil:
		plans, err = planOCIArchive(ctx, sp)
	default:
		err = fmt.Errorf("archive has neither %s nor %s: not a docker-archive or an OCI layout: %w",
			dockerManifestFile, ociIndexFile, errdefs.ErrInvalidArgument)
	}
	if err != nil {
		return nil, err
	}
	return record(ctx, s, plans)
}

// loadPlan is one image checked and ready to record: its blobs are all in
// the content store; its manifest, when built for a docker-archive, is not
// yet.
type loadPlan struct {
	target   ocispec.Descriptor
	manifest []byte // nil when the target is in the store already
	labels   map[string]string
	id       digest.Digest
	names    []image.Reference
}

// planDockerArchive checks every image manifest.json lists and builds its
// OCI manifest.
func planDockerArchive(ctx context.Context, sp *spool) ([]loadPlan, error) {
	var entries []dockerManifestEntry
	if err := json.Unmarshal(sp.meta[dockerManifestFile], &entries); err != nil {
		return nil, fmt.Errorf("parsing %s: %v: %w", dockerManifestFile, err, errdefs.ErrInvalidArgument)
	}
	var plans []loadPlan
	for i, e := range entries {
		p, err := planDockerImage(ctx, sp, e)
		if err != nil {
			return nil, fmt.Errorf("%s entry %d (%s): %w", dockerManifestFile, i, e.Config, err)
		}
		plans = append(plans, p)
	}
	return plans, nil
}

func planDockerImage(ctx context.Context, sp *spool, e dockerManifestEntry) (loadPlan, error) {
	cb, err := sp.lookup(e.Config)
	if err != nil {
		return loadPlan{}, err
	}
	config := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cb.digest, Size: cb.size}
	data, err := sp.cs.ReadBlob(ctx, config)
	if err != nil {
		return loadPlan{}, err
	}
	cfg, err := image.DecodeConfig(data, len(e.Layers))
	if err != nil {
		return loadPlan{}, err
	}
	var layers []ocispec.Descriptor
	for i, lp := range e.Layers {
		l, err := checkDockerLayer(ctx, sp, lp, cfg.RootFS.DiffIDs[i])
		if err != nil {
			return loadPlan{}, fmt.Errorf("layer %d (%s): %w", i, lp, err)
		}
		layers = append(layers, l)
	}
	names, err := parseNames(e.RepoTags)
	if err != nil {
		return loadPlan{}, err
	}
	p := loadPlan{labels: manifestLabels(config, layers), id: config.Digest, names: names}
	if md, ok := archivedManifest(ctx, sp, config.Digest, layers); ok {
		p.target = md
		return p, nil
	}
	p.target, p.manifest, err = buildManifest(config, layers, nil)
	return p, err
}

// archivedManifest finds, in the index.json of a Docker 25+ archive, a
// manifest of exactly this config and these layers, so that the image
// keeps the manifest digest it had where it was saved (hull's Save keeps
// it whenever the layers were stored uncompressed) instead of getting a
// new one built from manifest.json.
func archivedManifest(ctx context.Context, sp *spool, config digest.Digest, layers []ocispec.Descriptor) (ocispec.Descriptor, bool) {
	doc, err := image.Decode(ocispec.MediaTypeImageIndex, sp.meta[ociIndexFile])
	if sp.meta[ociIndexFile] == nil || err != nil || doc.Index == nil {
		return ocispec.Descriptor{}, false
	}
	for _, d := range doc.Index.Manifests {
		b, ok := sp.blobs[blobPath(d.Digest)]
		if !image.IsManifest(d.MediaType) || !ok || b.size != d.Size {
			continue
		}
		d = descriptorOnly(d)
		data, err := sp.cs.ReadBlob(ctx, d)
		if err != nil {
			continue
		}
		m, err := image.Decode(d.MediaType, data)
		if err == nil && m.Manifest != nil && m.Manifest.Config.Digest == config && sameBlobs(m.Manifest.Layers, layers) {
			return d, true
		}
	}
	return ocispec.Descriptor{}, false
}

func sameBlobs(a, b []ocispec.Descriptor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Digest != b[i].Digest || a[i].Size != b[i].Size {
			return false
		}
	}
	return true
}

// checkDockerLayer verifies a docker-archive layer against its diff_id.
// Docker writes layers uncompressed, but `docker load` also takes gzip or
// zstd ones (hand-made archives, go-containerregistry's tarball package), so
// those are accepted when they decompress to the diff_id and stored as given.
func checkDockerLayer(ctx context.Context, sp *spool, name string, diffID digest.Digest) (ocispec.Descriptor, error) {
	b, err := sp.lookup(name)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: b.digest, Size: b.size}
	if b.digest == diffID {
		return desc, nil
	}
	tarDigest, c, err := decompressedDigest(ctx, sp.cs, b.digest)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	if c == archive.Uncompressed || tarDigest != diffID {
		return ocispec.Descriptor{}, fmt.Errorf("its sha256 is %s but the config's diff_id is %s: the archive is corrupt or was tampered with: %w",
			tarDigest, diffID, errdefs.ErrInvalidArgument)
	}
	desc.MediaType = ocispec.MediaTypeImageLayerGzip
	if c == archive.Zstd {
		desc.MediaType = ocispec.MediaTypeImageLayerZstd
	}
	return desc, nil
}

// decompressedDigest hashes a stored blob's bytes after decompression.
func decompressedDigest(ctx context.Context, cs ContentStore, d digest.Digest) (digest.Digest, archive.Compression, error) {
	rd, err := cs.Open(ctx, d)
	if err != nil {
		return "", 0, err
	}
	defer rd.Close()
	zr, c, err := archive.Decompress(rd)
	if err != nil {
		return "", 0, err
	}
	defer zr.Close()
	dg := digest.Canonical.Digester()
	if _, err := io.Copy(dg.Hash(), zr); err != nil {
		return "", 0, fmt.Errorf("reading %s: %w", d, err)
	}
	return dg.Digest(), c, nil
}

// manifestLabels keep a manifest's config and layers alive as long as the
// manifest is.
func manifestLabels(config ocispec.Descriptor, layers []ocispec.Descriptor) map[string]string {
	labels := map[string]string{content.LabelGCRefPrefix + "config": config.Digest.String()}
	for i, l := range layers {
		labels[fmt.Sprintf("%slayer.%d", content.LabelGCRefPrefix, i)] = l.Digest.String()
	}
	return labels
}

func parseNames(tags []string) ([]image.Reference, error) {
	var out []image.Reference
	for _, t := range tags {
		ref, err := image.ParseNormalized(t)
		if err != nil {
			return nil, fmt.Errorf("RepoTag %q: %w", t, err)
		}
		out = append(out, ref)
	}
	return out, nil
}

// record commits the built manifests and puts the image records, once
// every image of the archive has been checked.
func record(ctx context.Context, s Stores, plans []loadPlan) ([]image.Image, error) {
	var out []image.Image
	for _, p := range plans {
		labels := p.labels
		if len(p.names) == 0 {
			labels = withRoot(labels)
		}
		if err := putBlob(ctx, s.Content, p.target, p.manifest, labels); err != nil {
			return out, err
		}
		if len(p.names) == 0 {
			out = append(out, image.Image{Target: p.target, ID: p.id})
			continue
		}
		for _, n := range p.names {
			img, err := s.Images.Put(ctx, image.Image{Name: n.String(), Target: p.target, ID: p.id})
			if err != nil {
				return out, err
			}
			out = append(out, img)
		}
	}
	return out, nil
}

func withRoot(labels map[string]string) map[string]string {
	out := map[string]string{content.LabelGCRoot: time.Now().UTC().Format(time.RFC3339)}
	for k, v := range labels {
		out[k] = v
	}
	return out
}

// putBlob commits data as the blob desc names, with labels; with nil data
// the blob is in the store already and only gets the labels.
func putBlob(ctx context.Context, cs ContentStore, desc ocispec.Descriptor, data []byte, labels map[string]string) error {
	if data == nil {
		return cs.SetLabels(ctx, desc.Digest, labels)
	}
	w, err := cs.Ingest(ctx, "load-"+desc.Digest.String(), desc.Digest, desc.Size)
	if isAlreadyExists(err) {
		return cs.SetLabels(ctx, desc.Digest, labels)
	}
	if err != nil {
		return fmt.Errorf("storing manifest %s: %w", desc.Digest, err)
	}
	defer w.Close()
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("storing manifest %s: %w", desc.Digest, err)
	}
	return w.Commit(labels)
}
