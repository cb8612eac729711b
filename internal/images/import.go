package images

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/archive"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// Changes are the process defaults an import or a commit sets on the new
// image's config, what `docker import --change` and `docker commit
// --change` express as Dockerfile instructions (parsing those is the
// caller's business). Zero fields leave the config as it was.
type Changes struct {
	Cmd        []string
	Entrypoint []string
	// Env entries ("KEY=value") replace an existing KEY or are appended.
	Env        []string
	WorkingDir string
	User       string
	Labels     map[string]string
}

// ImportOptions tune Import.
type ImportOptions struct {
	Changes Changes
	// Comment goes into the history entry, as `docker import -m` does.
	Comment string
	// Platform is what the config claims; the zero value means the host's.
	Platform image.Platform
}

// Import makes a one-layer image named ref from a root filesystem tarball
// (plain, gzip or zstd), as `docker import` does. The layer is stored
// gzip-compressed whatever the input was, and the tar is read through
// once to check that it is one, so a wrong file fails here rather than at
// the first run.
func (s *Service) Import(ctx context.Context, r io.Reader, ref string, opts ImportOptions) (image.Image, error) {
	if _, err := image.ParseNormalized(ref); err != nil {
		return image.Image{}, err
	}
	release, err := s.content.Lease(ctx)
	if err != nil {
		return image.Image{}, err
	}
	defer release()
	layer, diffID, err := s.writeLayer(ctx, func(w io.Writer) (digest.Digest, error) {
		return copyTar(w, r)
	})
	if err != nil {
		return image.Image{}, fmt.Errorf("importing %s: %w", ref, err)
	}
	p := opts.Platform
	if p == (image.Platform{}) {
		p = image.DefaultPlatform()
	}
	now := time.Now().UTC()
	cfg := ocispec.Image{Created: &now, Platform: p.OCI()}
	cfg.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffID}}
	cfg.History = []ocispec.History{{Created: &now, CreatedBy: "hull import", Comment: opts.Comment}}
	opts.Changes.apply(&cfg.Config)
	return s.writeImage(ctx, ref, cfg, []ocispec.Descriptor{layer})
}

// copyTar decompresses r into w, checking on the way that it is a tar
// archive, and returns the digest of the uncompressed bytes: the diff_id.
func copyTar(w io.Writer, r io.Reader) (digest.Digest, error) {
	plain, _, err := archive.Decompress(r)
	if err != nil {
		return "", fmt.Errorf("reading tarball: %w", err)
	}
	defer plain.Close()
	d := digest.Canonical.Digester()
	tee := io.TeeReader(plain, io.MultiWriter(w, d.Hash()))
	tr := tar.NewReader(tee)
	entries := 0
	for {
		_, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reading tarball: %w: %w", err, errdefs.ErrInvalidArgument)
		}
		entries++
	}
	if entries == 0 {
		return "", fmt.Errorf("tarball has no entries: %w", errdefs.ErrInvalidArgument)
	}
	// The padding after the end marker belongs to the diff_id too.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return "", fmt.Errorf("reading tarball: %w", err)
	}
	return d.Digest(), nil
}

// apply writes the changes into a config.
func (c Changes) apply(cfg *ocispec.ImageConfig) {
	if c.Cmd != nil {
		cfg.Cmd = c.Cmd
	}
	if c.Entrypoint != nil {
		cfg.Entrypoint = c.Entrypoint
	}
	if len(c.Env) > 0 {
		cfg.Env = slices.Clone(cfg.Env) // may be shared with a base config
	}
	for _, kv := range c.Env {
		cfg.Env = setEnv(cfg.Env, kv)
	}
	if c.WorkingDir != "" {
		cfg.WorkingDir = c.WorkingDir
	}
	if c.User != "" {
		cfg.User = c.User
	}
	if len(c.Labels) > 0 {
		cfg.Labels = maps.Clone(cfg.Labels)
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
	}
	for k, v := range c.Labels {
		cfg.Labels[k] = v
	}
}

// setEnv replaces the entry for kv's key in env, or appends kv.
func setEnv(env []string, kv string) []string {
	key, _, _ := strings.Cut(kv, "=")
	for i, e := range env {
		if k, _, _ := strings.Cut(e, "="); k == key {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}
