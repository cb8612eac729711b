package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

// maxManifestSize bounds what Resolve reads into memory for one manifest,
// index or config; registries refuse manifests above 4 MiB for the same
// reason, and a config is far smaller in practice.
const maxManifestSize = 4 << 20

// maxIndexDepth bounds indexes nested in indexes, so a cycle of blobs
// cannot loop Resolve forever.
const maxIndexDepth = 4

// Resolved is an image narrowed to one platform: the manifest to run and the
// blobs it names, in the order they are unpacked.
type Resolved struct {
	ManifestDesc ocispec.Descriptor   // the manifest chosen; its Platform is set when an index named it
	Manifest     ocispec.Manifest     // the decoded manifest
	Config       ocispec.Descriptor   // the image config; its digest is the image ID
	Layers       []ocispec.Descriptor // base layer first
}

// Resolve follows desc (an index or a manifest) to the manifest for
// platform, reading blobs from p. From an index it picks the entry that
// platform.Match accepts with the best rank (an exact match before a merely
// compatible one, the first entry on a tie); entries without a platform are
// tried last, by their config's os and architecture. A manifest given
// directly is returned whatever its platform: the caller asked for it.
//
// When nothing matches, the error lists the platforms the index offers and
// wraps errdefs.ErrNotFound.
func Resolve(ctx context.Context, p Provider, desc ocispec.Descriptor, platform Platform) (Resolved, error) {
	return resolve(ctx, p, desc, platform, 0)
}

func resolve(ctx context.Context, p Provider, desc ocispec.Descriptor, platform Platform, depth int) (Resolved, error) {
	if depth > maxIndexDepth {
		return Resolved{}, invalidManifest("indexes nested more than %d deep", maxIndexDepth)
	}
	data, err := readBlob(ctx, p, desc)
	if err != nil {
		return Resolved{}, err
	}
	doc, err := Decode(desc.MediaType, data)
	if err != nil {
		return Resolved{}, fmt.Errorf("%s: %w", desc.Digest, err)
	}
	if doc.Manifest != nil {
		return resolved(desc, *doc.Manifest)
	}
	for _, entry := range candidates(doc.Index, platform) {
		r, err := resolveEntry(ctx, p, entry, platform, depth)
		if errors.Is(err, errNoMatch) {
			continue
		}
		return r, err
	}
	return Resolved{}, &NoMatchError{Platform: platform, Index: desc, Available: available(doc.Index)}
}

// NoMatchError reports an index with no image for the platform asked for.
type NoMatchError struct {
	Platform  Platform
	Index     ocispec.Descriptor
	Available []string // the index's platforms, "os/arch[/variant]"
}

func (e *NoMatchError) Error() string {
	avail := "none"
	if len(e.Available) > 0 {
		avail = strings.Join(e.Available, ", ")
	}
	return fmt.Sprintf("no image for platform %s in %s (available: %s)", e.Platform, e.Index.Digest, avail)
}

// Unwrap makes errdefs.IsNotFound(err) true.
func (e *NoMatchError) Unwrap() error { return errdefs.ErrNotFound }

// errNoMatch reports internally that an entry turned out not to fit.
var errNoMatch = errors.New("no matching platform")

func resolveEntry(ctx context.Context, p Provider, entry ocispec.Descriptor, platform Platform, depth int) (Resolved, error) {
	r, err := resolve(ctx, p, entry, platform, depth+1)
	if err != nil {
		var nm *NoMatchError
		if errors.As(err, &nm) {
			return Resolved{}, errNoMatch
		}
		return Resolved{}, err
	}
	if entry.Platform != nil || IsIndex(entry.MediaType) {
		return r, nil
	}
	// An entry without a platform says nothing about what it runs on; its
	// config does.
	var cfg ocispec.Image
	if err := readJSON(ctx, p, r.Config, &cfg); err != nil {
		return Resolved{}, err
	}
	if !platform.Match(cfg.Platform) {
		return Resolved{}, errNoMatch
	}
	return r, nil
}

// candidates orders an index's entries for platform: matching entries by
// rank, then entries without a platform in index order. Others are dropped.
func candidates(idx *ocispec.Index, platform Platform) []ocispec.Descriptor {
	type ranked struct {
		desc ocispec.Descriptor
		rank int
	}
	var list []ranked
	last := len(platform.compatible()) // after every real match
	for _, m := range idx.Manifests {
		rank := last
		if m.Platform != nil {
			if rank = platform.rank(*m.Platform); rank < 0 {
				continue
			}
		}
		list = append(list, ranked{m, rank})
	}
	slices.SortStableFunc(list, func(a, b ranked) int { return a.rank - b.rank })
	out := make([]ocispec.Descriptor, len(list))
	for i, r := range list {
		out[i] = r.desc
	}
	return out
}

// available lists an index's platforms for an error message, leaving out
// BuildKit's attestation entries, which are not images.
func available(idx *ocispec.Index) []string {
	var names []string
	for _, m := range idx.Manifests {
		if m.Platform == nil || m.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			continue
		}
		if name := PlatformOf(*m.Platform).String(); !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// resolved checks that a manifest describes a runnable image before anyone
// tries to unpack it.
func resolved(desc ocispec.Descriptor, m ocispec.Manifest) (Resolved, error) {
	if !IsConfig(m.Config.MediaType) {
		return Resolved{}, fmt.Errorf("%s is not a container image: config media type %q: %w",
			desc.Digest, m.Config.MediaType, errdefs.ErrInvalidArgument)
	}
	for _, l := range m.Layers {
		if _, err := LayerCompression(l.MediaType); err != nil {
			return Resolved{}, fmt.Errorf("%s: layer %s: %w", desc.Digest, l.Digest, err)
		}
	}
	return Resolved{ManifestDesc: desc, Manifest: m, Config: m.Config, Layers: m.Layers}, nil
}

// ReadConfig reads and checks the config of a resolved image: it must decode
// and list one diff ID per layer.
func ReadConfig(ctx context.Context, p Provider, r Resolved) (ocispec.Image, error) {
	data, err := readBlob(ctx, p, r.Config)
	if err != nil {
		return ocispec.Image{}, err
	}
	return DecodeConfig(data, len(r.Layers))
}

func readJSON(ctx context.Context, p Provider, desc ocispec.Descriptor, v any) error {
	data, err := readBlob(ctx, p, desc)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decoding %s: %v: %w", desc.Digest, err, errdefs.ErrInvalidArgument)
	}
	return nil
}

// readBlob reads a small blob and checks it against its descriptor. The
// store verifies on write, but a descriptor is only as good as the bytes
// behind it, and checking costs little next to the parse that follows.
func readBlob(ctx context.Context, p Provider, desc ocispec.Descriptor) ([]byte, error) {
	if err := desc.Digest.Validate(); err != nil {
		return nil, fmt.Errorf("descriptor digest %q: %v: %w", desc.Digest, err, errdefs.ErrInvalidArgument)
	}
	if desc.Size > maxManifestSize {
		return nil, fmt.Errorf("%s: %d bytes is too large for a manifest or config (limit %d): %w",
			desc.Digest, desc.Size, maxManifestSize, errdefs.ErrInvalidArgument)
	}
	data, err := p.ReadBlob(ctx, desc)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", desc.Digest, err)
	}
	if int64(len(data)) != desc.Size {
		return nil, fmt.Errorf("%s: read %d bytes, descriptor says %d: %w",
			desc.Digest, len(data), desc.Size, errdefs.ErrInvalidArgument)
	}
	if desc.Digest.Algorithm().FromBytes(data) != desc.Digest {
		return nil, fmt.Errorf("%s: content does not match its digest: %w", desc.Digest, errdefs.ErrInvalidArgument)
	}
	return data, nil
}
