package registry

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/image"
)

// parallelTransfers bounds the blobs moved at once, as dockerd's
// max-concurrent-downloads does: more mostly splits the same bandwidth.
const parallelTransfers = 3

// labelSource starts the label that records where a blob was pulled from,
// "hull.distribution.source.<registry host>" = repository path, so a push
// to another repository of that registry can mount it instead of
// uploading it.
const labelSource = "hull.distribution.source."

// Pull fetches ref (a tag or a digest) into the content store and names it
// in the image store: the index if there is one, the manifest for
// opts.Platform, its config and its layers. Blobs already in the store are
// not fetched again. Nothing is named until every blob is committed, so an
// interrupted pull leaves no image; the next one resumes where it stopped.
//
// Errors from the registry are one line, "manifest unknown: …",
// "unauthorized: …"; they wrap errdefs.ErrNotFound or ErrUnauthorized.
func (c *Client) Pull(ctx context.Context, ref string, opts PullOptions) (image.Image, error) {
	r, err := image.ParseNormalized(ref)
	if err != nil {
		return image.Image{}, err
	}
	if opts.Platform == (image.Platform{}) {
		opts.Platform = image.DefaultPlatform()
	}
	opts.Progress = serialize(opts.Progress)
	release, err := c.Content.Lease(ctx)
	if err != nil {
		return image.Image{}, err
	}
	defer release()
	img, err := c.pull(ctx, r, &opts)
	if err != nil {
		return image.Image{}, fmt.Errorf("pulling %s: %w", r.FamiliarString(), err)
	}
	return img, nil
}

// pull tries each endpoint in turn, mirrors first. Whatever a mirror
// fails at (a missing tag, a refused login, a bad blob, a dropped
// connection), the next endpoint is tried; the ingests a mirror left are
// resumed from it, since a blob is the same wherever it comes from. The
// registry's own error is the one reported.
func (c *Client) pull(ctx context.Context, ref image.Reference, opts *PullOptions) (image.Image, error) {
	eps, err := opts.endpoints(ref)
	if err != nil {
		return image.Image{}, err
	}
	for _, ep := range eps {
		p := &puller{c: c, opts: opts, ep: ep, small: map[digest.Digest][]byte{}}
		img, err := p.pull(ctx, ref)
		if err == nil || !ep.mirror || ctx.Err() != nil {
			return img, err
		}
	}
	panic("unreachable: the last endpoint is the registry itself")
}

// pull runs the steps of a pull from one endpoint.
func (p *puller) pull(ctx context.Context, ref image.Reference) (image.Image, error) {
	top, err := p.head(ctx, ref)
	if err != nil {
		return image.Image{}, err
	}
	resolved, err := image.Resolve(ctx, p, top, p.opts.Platform)
	if err != nil {
		return image.Image{}, err
	}
	// ReadConfig fetches the config and checks it names one diff ID per
	// layer, before any layer is downloaded for nothing.
	if _, err := image.ReadConfig(ctx, p, resolved); err != nil {
		return image.Image{}, err
	}
	if err := p.fetchLayers(ctx, resolved.Layers); err != nil {
		return image.Image{}, err
	}
	if err := p.commitTree(ctx, top, resolved); err != nil {
		return image.Image{}, err
	}
	// The record is the last step, and only if nobody gave up meanwhile.
	if err := ctx.Err(); err != nil {
		return image.Image{}, err
	}
	img, err := p.c.Images.Put(ctx, image.Image{Name: ref.String(), Target: top, ID: resolved.Config.Digest})
	if err != nil {
		return image.Image{}, err
	}
	p.opts.emit(Event{Status: "Digest: " + top.Digest.String()})
	p.opts.emit(Event{Status: "Status: " + p.summary() + " for " + ref.FamiliarString()})
	return img, nil
}

// puller is one pull from one endpoint. small holds the manifests,
// indexes and configs read while resolving, committed at the end.
type puller struct {
	c    *Client
	opts *PullOptions
	ep   endpoint

	mu         sync.Mutex
	small      map[digest.Digest][]byte
	downloaded bool // some layer was fetched, for the summary line
}

// head resolves ref to a descriptor. It asks with HEAD first, which
// costs no body when the manifest is in the store already, and falls
// back to GET, which some registries need and whose error body says why.
func (p *puller) head(ctx context.Context, ref image.Reference) (ocispec.Descriptor, error) {
	if err := p.opts.connect(ctx, &p.ep, p.ep.repo.Scope(transport.PullScope)); err != nil {
		return ocispec.Descriptor{}, err
	}
	var gref name.Reference = p.ep.repo.Tag(ref.Tag)
	if ref.Digest != "" {
		gref = p.ep.repo.Digest(ref.Digest.String())
	} else {
		p.opts.emit(Event{Status: ref.Tag + ": Pulling from " + ref.Path})
	}
	if d, err := remote.Head(gref, p.ep.remoteOpts(ctx)...); err == nil {
		desc := ocispec.Descriptor{MediaType: string(d.MediaType), Digest: digest.Digest(d.Digest.String()), Size: d.Size}
		if ref.Digest == "" || desc.Digest == ref.Digest {
			return desc, nil
		}
	}
	g, err := remote.Get(gref, p.ep.remoteOpts(ctx)...)
	if err != nil {
		return ocispec.Descriptor{}, clean(err)
	}
	desc := ocispec.Descriptor{MediaType: string(g.MediaType), Digest: digest.Digest(g.Digest.String()), Size: g.Size}
	p.keep(desc.Digest, g.Manifest)
	return desc, nil
}

// keep remembers a small blob read from the registry until commitTree.
func (p *puller) keep(d digest.Digest, data []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.small[d] = data
}

// summary is Docker's last line of a pull.
func (p *puller) summary() string {
	if p.downloaded {
		return "Downloaded newer image"
	}
	return "Image is up to date"
}

// serialize makes fn safe to call from the download goroutines.
func serialize(fn func(Event)) func(Event) {
	if fn == nil {
		return nil
	}
	var mu sync.Mutex
	return func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		fn(e)
	}
}
