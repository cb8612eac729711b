package imagearchive

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// maxIndexDepth bounds nested indexes, so a cycle of indexes cannot loop.
const maxIndexDepth = 8

// ociImporter walks an OCI layout's index, making sure every blob it
// names is in the content store and labelling each manifest and index with
// its children. fetch differs by source: for an archive the blobs were
// spooled already and only need checking, for a directory they are copied.
type ociImporter struct {
	cs    ContentStore
	fetch func(ctx context.Context, d ocispec.Descriptor) error
}

// parseLayout checks oci-layout and parses index.json.
func parseLayout(layout, index []byte) (ocispec.Index, error) {
	var l ociLayout
	if err := json.Unmarshal(layout, &l); err != nil {
		return ocispec.Index{}, fmt.Errorf("parsing %s: %v: %w", ociLayoutFile, err, errdefs.ErrInvalidArgument)
	}
	if l.ImageLayoutVersion != ociLayoutVersion {
		return ocispec.Index{}, fmt.Errorf("%s: unsupported layout version %q: %w", ociLayoutFile, l.ImageLayoutVersion, errdefs.ErrInvalidArgument)
	}
	doc, err := image.Decode(ocispec.MediaTypeImageIndex, index)
	if err != nil || doc.Index == nil {
		return ocispec.Index{}, fmt.Errorf("parsing %s: %v: %w", ociIndexFile, err, errdefs.ErrInvalidArgument)
	}
	return *doc.Index, nil
}

// planOCIArchive imports an OCI layout archive whose blobs are spooled.
func planOCIArchive(ctx context.Context, sp *spool) ([]loadPlan, error) {
	idx, err := parseLayout(sp.meta[ociLayoutFile], sp.meta[ociIndexFile])
	if err != nil {
		return nil, err
	}
	im := ociImporter{cs: sp.cs, fetch: func(ctx context.Context, d ocispec.Descriptor) error {
		return checkPresent(ctx, sp.cs, d)
	}}
	return im.plan(ctx, idx)
}

// checkPresent checks that a blob is in the store with the size its
// descriptor says.
func checkPresent(ctx context.Context, cs ContentStore, d ocispec.Descriptor) error {
	info, err := cs.Info(ctx, d.Digest)
	if err != nil {
		return fmt.Errorf("blob %s is not in the layout: %w", d.Digest, err)
	}
	if info.Size != d.Size {
		return fmt.Errorf("blob %s is %d bytes, its descriptor says %d: %w", d.Digest, info.Size, d.Size, errdefs.ErrInvalidArgument)
	}
	return nil
}

// plan walks every entry of idx; each becomes one image to record.
func (im ociImporter) plan(ctx context.Context, idx ocispec.Index) ([]loadPlan, error) {
	var plans []loadPlan
	for i, d := range idx.Manifests {
		if err := im.walk(ctx, d, 0); err != nil {
			return nil, fmt.Errorf("%s entry %d (%s): %w", ociIndexFile, i, d.Digest, err)
		}
		p := loadPlan{target: descriptorOnly(d)}
		if r, err := image.Resolve(ctx, im.cs, p.target, image.DefaultPlatform()); err == nil {
			p.id = r.Config.Digest
		}
		if n, ok := entryName(d.Annotations); ok {
			p.names = []image.Reference{n}
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// descriptorOnly drops an index entry's annotations: they name the entry
// in this layout, not the image.
func descriptorOnly(d ocispec.Descriptor) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size, Platform: d.Platform}
}

// walk fetches d and, for a manifest or an index, everything it names,
// then labels d with its children.
func (im ociImporter) walk(ctx context.Context, d ocispec.Descriptor, depth int) error {
	if depth > maxIndexDepth {
		return fmt.Errorf("indexes nested deeper than %d: %w", maxIndexDepth, errdefs.ErrInvalidArgument)
	}
	if err := d.Digest.Validate(); err != nil {
		return fmt.Errorf("descriptor digest %q: %v: %w", d.Digest, err, errdefs.ErrInvalidArgument)
	}
	if err := im.fetch(ctx, d); err != nil {
		return err
	}
	data, err := im.cs.ReadBlob(ctx, d)
	if err != nil {
		return err
	}
	doc, err := image.Decode(d.MediaType, data)
	if err != nil {
		return err
	}
	if doc.Index != nil {
		return im.walkIndex(ctx, d, doc.Index, depth)
	}
	return im.walkManifest(ctx, d, doc.Manifest)
}

func (im ociImporter) walkIndex(ctx context.Context, d ocispec.Descriptor, idx *ocispec.Index, depth int) error {
	labels := map[string]string{}
	for i, child := range idx.Manifests {
		if err := im.walk(ctx, child, depth+1); err != nil {
			return fmt.Errorf("manifest %s: %w", child.Digest, err)
		}
		labels[fmt.Sprintf("%smanifest.%d", content.LabelGCRefPrefix, i)] = child.Digest.String()
	}
	return im.cs.SetLabels(ctx, d.Digest, labels)
}

func (im ociImporter) walkManifest(ctx context.Context, d ocispec.Descriptor, m *ocispec.Manifest) error {
	if err := im.fetchChecked(ctx, m.Config); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var layers []ocispec.Descriptor
	for i, l := range m.Layers {
		// Foreign layers live at their URLs, not in layouts.
		if image.IsNonDistributable(l.MediaType) {
			if _, err := im.cs.Info(ctx, l.Digest); err != nil {
				continue
			}
		}
		if err := im.fetchChecked(ctx, l); err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
		layers = append(layers, l)
	}
	return im.cs.SetLabels(ctx, d.Digest, manifestLabels(m.Config, layers))
}

func (im ociImporter) fetchChecked(ctx context.Context, d ocispec.Descriptor) error {
	if err := d.Digest.Validate(); err != nil {
		return fmt.Errorf("descriptor digest %q: %v: %w", d.Digest, err, errdefs.ErrInvalidArgument)
	}
	return im.fetch(ctx, d)
}

// entryName is the image name an index entry carries. containerd's and
// Docker's full name wins; the OCI ref.name counts only when it is a whole
// reference ("busybox:1.36"), not a bare tag ("latest", as skopeo's
// oci:DIR:TAG writes), which names no repository.
func entryName(ann map[string]string) (image.Reference, bool) {
	if n := ann[annotationImageName]; n != "" {
		if ref, err := image.ParseNormalized(n); err == nil {
			return ref, true
		}
	}
	n := ann[annotationRefName]
	if !strings.ContainsAny(n, "/:@") {
		return image.Reference{}, false
	}
	ref, err := image.ParseNormalized(n)
	return ref, err == nil
}
