package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/snapshot"
)

// Service is the image service over one root directory. It is safe for
// concurrent use by goroutines and by several processes sharing the root.
type Service struct {
	root      string
	content   *content.Local
	records   *image.Store
	snapshots *snapshot.Store
}

// Open opens (creating if needed) the service's stores under root; where
// root is (/var/lib/hull for a root engine) is the caller's choice.
func Open(root string) (*Service, error) {
	return openWith(root, snapshot.Options{})
}

// openWith lets tests force a snapshot driver.
func openWith(root string, so snapshot.Options) (*Service, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("creating image root: %w", err)
	}
	cs, err := content.NewLocal(filepath.Join(root, "content"))
	if err != nil {
		return nil, fmt.Errorf("opening content store: %w", err)
	}
	records, err := image.NewStore(filepath.Join(root, "images"))
	if err != nil {
		return nil, fmt.Errorf("opening image records: %w", err)
	}
	sn, err := snapshot.Open(filepath.Join(root, "snapshots"), so)
	if err != nil {
		return nil, fmt.Errorf("opening snapshot store: %w", err)
	}
	return &Service{root: root, content: cs, records: records, snapshots: sn}, nil
}

// Close releases the snapshot store; nothing on disk changes.
func (s *Service) Close() error { return s.snapshots.Close() }

// Root is the directory the service lives in.
func (s *Service) Root() string { return s.root }

// Content, Records and Snapshots expose the stores underneath, for the
// parts of the engine (pull, push, build) that work on them directly.
func (s *Service) Content() *content.Local { return s.content }

// Records is the store of image names; see Content.
func (s *Service) Records() *image.Store { return s.records }

// Snapshots is the snapshotter; see Content.
func (s *Service) Snapshots() *snapshot.Store { return s.snapshots }

// List returns every image record, sorted by name.
func (s *Service) List(ctx context.Context) ([]image.Image, error) {
	return s.records.List(ctx)
}

// Get returns the image a user means by key: a name, an image ID or a
// unique prefix of one. Several names for one image yield the first.
func (s *Service) Get(ctx context.Context, key string) (image.Image, error) {
	imgs, err := s.records.Lookup(ctx, key)
	if err != nil {
		return image.Image{}, err
	}
	if len(imgs) == 0 {
		return image.Image{}, errors.New("lookup returned no image")
	}
	return imgs[0], nil
}

// resolved is an image read down to its config: what unpack, rootfs and
// commit need.
type resolved struct {
	record   image.Image
	manifest image.Resolved
	config   ocispec.Image
	chain    []string
}

// resolve reads the record, manifest and config of the image key names.
func (s *Service) resolve(ctx context.Context, key string, p image.Platform) (resolved, error) {
	img, err := s.Get(ctx, key)
	if err != nil {
		return resolved{}, err
	}
	r, err := image.Resolve(ctx, s.content, img.Target, p)
	if err != nil {
		return resolved{}, fmt.Errorf("resolving image %s: %w", img.Name, err)
	}
	cfg, err := image.ReadConfig(ctx, s.content, r)
	if err != nil {
		return resolved{}, fmt.Errorf("reading config of image %s: %w", img.Name, err)
	}
	return resolved{record: img, manifest: r, config: cfg, chain: chainNames(cfg.RootFS.DiffIDs)}, nil
}

// chainNames are the snapshot names of a layer stack: one chain ID per
// prefix, so images sharing base layers share their snapshots.
func chainNames(diffIDs []digest.Digest) []string {
	ids := image.ChainIDs(diffIDs)
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.String()
	}
	return names
}

// top is the snapshot holding the whole stack, "" for an image without layers.
func (r resolved) top() string {
	if len(r.chain) == 0 {
		return ""
	}
	return r.chain[len(r.chain)-1]
}
