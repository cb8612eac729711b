package images

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/archive"
	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// labelImageRoot is the value of content.LabelGCRoot on a manifest that an
// image record names; doc.go says why records alone are not enough.
const labelImageRoot = "image"

// writeJSON commits v as a blob of media type mt with labels.
func (s *Service) writeJSON(ctx context.Context, mt string, v any, labels map[string]string) (ocispec.Descriptor, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	desc := ocispec.Descriptor{MediaType: mt, Digest: digest.FromBytes(b), Size: int64(len(b))}
	w, err := s.content.Ingest(ctx, "hull-write-"+desc.Digest.String(), desc.Digest, desc.Size)
	if errors.Is(err, errdefs.ErrAlreadyExists) {
		// Same bytes committed before: only the labels may be new.
		if len(labels) == 0 {
			return desc, nil
		}
		return desc, s.content.SetLabels(ctx, desc.Digest, labels)
	}
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer w.Close()
	if _, err := io.Copy(w, bytes.NewReader(b)); err != nil {
		return ocispec.Descriptor{}, err
	}
	return desc, w.Commit(labels)
}

// writeLayer writes the uncompressed tar that produce writes into the
// store as a gzip layer blob and returns its descriptor. produce returns
// the diff_id; the blob's digest is taken from the compressed bytes.
func (s *Service) writeLayer(ctx context.Context, produce func(io.Writer) (digest.Digest, error)) (ocispec.Descriptor, digest.Digest, error) {
	w, err := s.content.Ingest(ctx, "hull-layer-"+randomID(), "", content.UnknownSize)
	if err != nil {
		return ocispec.Descriptor{}, "", err
	}
	defer w.Close()
	fail := func(err error) (ocispec.Descriptor, digest.Digest, error) {
		w.Abort()
		return ocispec.Descriptor{}, "", err
	}
	zw, err := archive.Compress(w, archive.Gzip)
	if err != nil {
		return fail(err)
	}
	diffID, err := produce(zw)
	if err != nil {
		return fail(err)
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: w.Digest(), Size: w.Offset()}
	if err := w.Commit(nil); err != nil {
		return ocispec.Descriptor{}, "", err
	}
	return desc, diffID, nil
}

// writeImage commits cfg and a manifest naming it and layers, then points
// the record name at the manifest. The caller holds a lease so that GC
// cannot take the layers before the manifest refers to them.
func (s *Service) writeImage(ctx context.Context, name string, cfg ocispec.Image, layers []ocispec.Descriptor) (image.Image, error) {
	ref, err := image.ParseNormalized(name)
	if err != nil {
		return image.Image{}, err
	}
	cfgDesc, err := s.writeJSON(ctx, ocispec.MediaTypeImageConfig, cfg, nil)
	if err != nil {
		return image.Image{}, fmt.Errorf("writing image config: %w", err)
	}
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: cfgDesc, Layers: layers}
	m.SchemaVersion = 2
	labels := map[string]string{
		content.LabelGCRoot:                 labelImageRoot,
		content.LabelGCRefPrefix + "config": cfgDesc.Digest.String(),
	}
	for i, l := range layers {
		labels[content.LabelGCRefPrefix+"layer."+strconv.Itoa(i)] = l.Digest.String()
	}
	target, err := s.writeJSON(ctx, ocispec.MediaTypeImageManifest, m, labels)
	if err != nil {
		return image.Image{}, fmt.Errorf("writing image manifest: %w", err)
	}
	return s.nameImage(ctx, ref, target, cfgDesc.Digest)
}

// nameImage points the record ref at the manifest target (of the image
// id). The manifest the name pointed at before stays a root only if
// another name still points at it.
func (s *Service) nameImage(ctx context.Context, ref image.Reference, target ocispec.Descriptor, id digest.Digest) (image.Image, error) {
	old, oldErr := s.records.Get(ctx, ref.String())
	img, err := s.records.Put(ctx, image.Image{Name: ref.String(), Target: target, ID: id})
	if err != nil {
		return image.Image{}, fmt.Errorf("naming image %s: %w", ref, err)
	}
	if oldErr == nil && old.Target.Digest != target.Digest {
		if err := s.releaseTarget(ctx, old.Target.Digest); err != nil {
			return img, err
		}
	}
	return img, nil
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
