package images

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/snapshot"
)

// What a Dockerfile build (package build) needs from the image service: it
// works on snapshots and blobs of its own rather than on containers, so it
// cannot use Commit, and it writes configs with Docker's extensions
// (Healthcheck, OnBuild, Shell) that ocispec.Image has no fields for.

// BuildBase is an image as a build stage starts from it.
type BuildBase struct {
	// ID is the config digest, the image ID.
	ID digest.Digest
	// Config is the config blob as stored, Docker's extensions included.
	Config []byte
	Layers []ocispec.Descriptor
	// Chain is the committed snapshot holding every layer, "" for an
	// image without layers.
	Chain string
}

// BuildBase unpacks the image key names (for the host's platform) if needed
// and returns what a build stage starts from.
func (s *Service) BuildBase(ctx context.Context, key string) (BuildBase, error) {
	r, err := s.resolve(ctx, key, image.DefaultPlatform())
	if err != nil {
		return BuildBase{}, err
	}
	if _, err := s.unpack(ctx, r); err != nil {
		return BuildBase{}, err
	}
	raw, err := s.content.ReadBlob(ctx, r.manifest.Config)
	if err != nil {
		return BuildBase{}, fmt.Errorf("reading config of image %s: %w", r.record.Name, err)
	}
	return BuildBase{ID: r.manifest.Config.Digest, Config: raw, Layers: r.manifest.Layers, Chain: r.top()}, nil
}

// BuildLayer is a layer a build step made.
type BuildLayer struct {
	Blob   ocispec.Descriptor
	DiffID digest.Digest
	// Chain names the committed snapshot the step's snapshot became.
	Chain string
}

// CommitBuildLayer diffs the active snapshot key (unmounted) against its
// parent chain, stores the diff as a gzip layer blob and commits key under
// the chain ID the layer gives, where later steps and containers find it.
// If that snapshot exists already (the same step built elsewhere), key is
// removed instead. The caller holds a content lease until a manifest
// refers to the blob.
func (s *Service) CommitBuildLayer(ctx context.Context, key, parentChain string) (BuildLayer, error) {
	blob, diffID, err := s.writeLayer(ctx, func(w io.Writer) (digest.Digest, error) {
		return s.diff(ctx, key, w)
	})
	if err != nil {
		return BuildLayer{}, fmt.Errorf("diffing snapshot %q: %w", key, err)
	}
	chain := diffID.String()
	if parentChain != "" {
		chain = digest.FromString(parentChain + " " + diffID.String()).String()
	}
	err = s.snapshots.Commit(ctx, chain, key)
	if errors.Is(err, errdefs.ErrAlreadyExists) {
		err = s.snapshots.Remove(ctx, key)
	}
	if err != nil {
		return BuildLayer{}, err
	}
	return BuildLayer{Blob: blob, DiffID: diffID, Chain: chain}, nil
}

// WriteBuildManifest stores a config blob and a manifest naming it and
// layers, labelled so that the manifest keeps them from GC once something
// keeps the manifest (TagBuild), and returns the manifest's descriptor and
// the config's digest, the image ID.
func (s *Service) WriteBuildManifest(ctx context.Context, config []byte, layers []ocispec.Descriptor) (ocispec.Descriptor, digest.Digest, error) {
	cfgDesc, err := s.writeJSON(ctx, ocispec.MediaTypeImageConfig, json.RawMessage(config), nil)
	if err != nil {
		return ocispec.Descriptor{}, "", fmt.Errorf("writing image config: %w", err)
	}
	if layers == nil {
		layers = []ocispec.Descriptor{}
	}
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: cfgDesc, Layers: layers}
	m.SchemaVersion = 2
	labels := map[string]string{content.LabelGCRefPrefix + "config": cfgDesc.Digest.String()}
	for i, l := range layers {
		labels[content.LabelGCRefPrefix+"layer."+strconv.Itoa(i)] = l.Digest.String()
	}
	target, err := s.writeJSON(ctx, ocispec.MediaTypeImageManifest, m, labels)
	if err != nil {
		return ocispec.Descriptor{}, "", fmt.Errorf("writing image manifest: %w", err)
	}
	return target, cfgDesc.Digest, nil
}

// TagBuild points the record name at a manifest WriteBuildManifest wrote,
// making the manifest an image root, and releases the manifest the name
// pointed at before if no other name does.
func (s *Service) TagBuild(ctx context.Context, name string, target ocispec.Descriptor, id digest.Digest) (image.Image, error) {
	ref, err := image.ParseNormalized(name)
	if err != nil {
		return image.Image{}, err
	}
	if err := s.content.SetLabels(ctx, target.Digest, map[string]string{content.LabelGCRoot: labelImageRoot}); err != nil {
		return image.Image{}, err
	}
	return s.nameImage(ctx, ref, target, id)
}

// HoldChain makes the view snapshot name on chain, which keeps chain's
// snapshots from Prune and removeChain for as long as it exists, as a
// build cache needs. It is labelled as made from no image, so that Remove
// does not take it for a container using the image on chain.
func (s *Service) HoldChain(ctx context.Context, name, chain string, labels map[string]string) error {
	if s.snapshots.Exists(ctx, name) {
		return nil
	}
	all := map[string]string{labelImageID: "none"}
	for k, v := range labels {
		all[k] = v
	}
	_, err := s.snapshots.View(ctx, name, chain, snapshot.WithLabels(all))
	if errors.Is(err, errdefs.ErrAlreadyExists) {
		return nil
	}
	return err
}

// ImageChains returns the names of the snapshots the image records' layer
// chains use, which a build cache prune leaves alone.
func (s *Service) ImageChains(ctx context.Context) (map[string]bool, error) {
	all, err := s.records.List(ctx)
	if err != nil {
		return nil, err
	}
	return s.chainsOf(ctx, all), nil
}
