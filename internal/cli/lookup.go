package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/images"
)

// described is an image record read down to its config, what the listing
// commands print from.
type described struct {
	rec      image.Image
	id       digest.Digest
	resolved image.Resolved
	config   ocispec.Image
	size     int64 // the blobs: config and layers as stored
}

// lookup finds the image a user named, with Docker's wording when none is.
func lookup(ctx context.Context, svc *images.Service, key string) (image.Image, error) {
	img, err := svc.Get(ctx, key)
	if errdefs.IsNotFound(err) {
		return image.Image{}, fmt.Errorf("no such image: %s", key)
	}
	return img, err
}

// describe resolves rec for the host's platform and reads its config.
func describe(ctx context.Context, svc *images.Service, rec image.Image) (described, error) {
	r, err := image.Resolve(ctx, svc.Content(), rec.Target, image.DefaultPlatform())
	if err != nil {
		return described{}, fmt.Errorf("image %s: %w", familiar(rec.Name), err)
	}
	cfg, err := image.ReadConfig(ctx, svc.Content(), r)
	if err != nil {
		return described{}, fmt.Errorf("image %s: %w", familiar(rec.Name), err)
	}
	d := described{rec: rec, id: r.Config.Digest, resolved: r, config: cfg, size: r.Config.Size}
	for _, l := range r.Layers {
		d.size += l.Size
	}
	return d, nil
}

// created is the config's creation time, or the record's when it has none.
func (d described) created() time.Time {
	if d.config.Created != nil {
		return *d.config.Created
	}
	return d.rec.CreatedAt
}

// familiar is the short form of a stored name: "busybox:latest".
func familiar(name string) string {
	ref, err := image.ParseNormalized(name)
	if err != nil {
		return name
	}
	return ref.FamiliarString()
}

// repoTag splits a stored name into the REPOSITORY and TAG columns.
func repoTag(name string) (repo, tag string) {
	ref, err := image.ParseNormalized(name)
	if err != nil {
		return name, "<none>"
	}
	repo = ref.FamiliarString()
	if i := strings.Index(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	tag = "<none>"
	if ref.Tag != "" {
		tag = ref.Tag
		repo = strings.TrimSuffix(repo, ":"+ref.Tag)
	}
	return repo, tag
}

// shortID is the 12-hex-digit form docker prints without --no-trunc.
func shortID(d digest.Digest, noTrunc bool) string {
	if noTrunc {
		return d.String()
	}
	h := d.Encoded()
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}
