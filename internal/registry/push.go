package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// Push uploads the image named local in the image store to target (a
// reference such as "registry.example:5000/team/app:1.0"; "" pushes it
// under its own name). The bytes go as stored, so digests are kept: an
// index with every manifest the store has, each manifest's config and
// layers, then the top manifest under the tag. Blobs the registry has are
// skipped; blobs pulled from another repository of the same registry are
// mounted, not uploaded.
func (c *Client) Push(ctx context.Context, local, target string, opts PushOptions) error {
	img, err := c.Images.Get(ctx, local)
	if err != nil {
		return err
	}
	if target == "" {
		target = img.Name
	}
	dst, err := image.ParseNormalized(target)
	if err != nil {
		return err
	}
	if dst.Digest != "" {
		return fmt.Errorf("push to %s: a digest cannot be pushed to, give a tag: %w", target, errdefs.ErrInvalidArgument)
	}
	opts.Progress = serialize(opts.Progress)
	ps, err := c.newPusher(ctx, dst, &opts)
	if err != nil {
		return fmt.Errorf("pushing %s: %w", dst.FamiliarString(), err)
	}
	opts.emit(Event{Status: "The push refers to repository [" + dst.Name() + "]"})
	if err := ps.pushTree(ctx, img.Target, ps.repo.Tag(dst.Tag)); err != nil {
		return fmt.Errorf("pushing %s: %w", dst.FamiliarString(), err)
	}
	opts.emit(Event{Status: fmt.Sprintf("%s: digest: %s size: %d", dst.Tag, img.Target.Digest, img.Target.Size)})
	return nil
}

// pusher is one push to one repository.
type pusher struct {
	c    *Client
	opts *PushOptions
	repo name.Repository
	rp   *remote.Pusher
	head *http.Client // for blob existence checks, authorised to push
}

func (c *Client) newPusher(ctx context.Context, dst image.Reference, opts *PushOptions) (*pusher, error) {
	repo, err := opts.repository(dst.Domain, dst.Path, false)
	if err != nil {
		return nil, err
	}
	auth, err := opts.keychain().Resolve(repo.Registry)
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", repo.RegistryStr(), err)
	}
	// go-containerregistry's own transport stack: it widens the token's
	// scope to a mount's source repository when it needs to.
	rp, err := remote.NewPusher(remote.WithContext(ctx), remote.WithAuth(auth), remote.WithTransport(opts.transport()))
	if err != nil {
		return nil, err
	}
	rt, err := transport.NewWithContext(ctx, repo.Registry, auth, opts.transport(), []string{repo.Scope(transport.PushScope)})
	if err != nil {
		return nil, clean(err)
	}
	return &pusher{c: c, opts: opts, repo: repo, rp: rp, head: &http.Client{Transport: rt}}, nil
}

// pushTree pushes desc's children, then desc itself under ref.
func (ps *pusher) pushTree(ctx context.Context, desc ocispec.Descriptor, ref name.Reference) error {
	data, err := ps.c.Content.ReadBlob(ctx, desc)
	if err != nil {
		return err
	}
	doc, err := image.Decode(desc.MediaType, data)
	if err != nil {
		return fmt.Errorf("%s: %w", desc.Digest, err)
	}
	if doc.Index != nil {
		err = ps.pushIndexChildren(ctx, doc.Index)
	} else {
		err = ps.pushBlobs(ctx, doc.Manifest)
	}
	if err != nil {
		return err
	}
	m := rawManifest{data: data, mediaType: types.MediaType(desc.MediaType)}
	if err := ps.rp.Put(ctx, ref, m); err != nil {
		return fmt.Errorf("manifest %s: %w", desc.Digest, clean(err))
	}
	return nil
}

// pushIndexChildren pushes the manifests of an index by digest. A
// registry refuses an index whose manifests it lacks, so a child missing
// from the store (a pull kept one platform) stops the push with a reason.
func (ps *pusher) pushIndexChildren(ctx context.Context, idx *ocispec.Index) error {
	for _, m := range idx.Manifests {
		if _, err := ps.c.Content.Info(ctx, m.Digest); err != nil {
			return fmt.Errorf("index entry %s (%s) is not in the content store; pull it with its platform, or push one platform by its own name: %w",
				m.Digest, platformName(m.Platform), errdefs.ErrNotFound)
		}
		if err := ps.pushTree(ctx, m, ps.repo.Digest(m.Digest.String())); err != nil {
			return err
		}
	}
	return nil
}

func platformName(p *ocispec.Platform) string {
	if p == nil {
		return "no platform"
	}
	return image.PlatformOf(*p).String()
}

// pushBlobs uploads a manifest's config and layers, parallelTransfers at a time.
func (ps *pusher) pushBlobs(ctx context.Context, m *ocispec.Manifest) error {
	for _, l := range m.Layers {
		ps.opts.emit(Event{ID: shortID(l.Digest), Status: StatusWaiting, Total: l.Size})
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelTransfers)
	for _, l := range m.Layers {
		g.Go(func() error { return ps.pushBlob(gctx, l, true) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ps.pushBlob(ctx, m.Config, false)
}

// pushBlob uploads one blob unless the registry has it or can mount it.
func (ps *pusher) pushBlob(ctx context.Context, desc ocispec.Descriptor, isLayer bool) error {
	id := shortID(desc.Digest)
	emit := func(Event) {}
	if isLayer {
		emit = ps.opts.emit
	}
	// go-containerregistry checks too, but does not say what it found;
	// the user wants to see "Layer already exists".
	exists, err := ps.blobExists(ctx, desc)
	if err != nil {
		return fmt.Errorf("blob %s: %w", desc.Digest, err)
	}
	if exists {
		emit(Event{ID: id, Status: StatusLayerExists, Total: desc.Size})
		return nil
	}
	l := &storeLayer{ctx: ctx, store: ps.c.Content, desc: desc, emit: emit}
	var layer v1.Layer = l
	src := ps.mountSource(ctx, desc)
	if src != nil {
		layer = &remote.MountableLayer{Layer: l, Reference: src.Digest(desc.Digest.String())}
	}
	if err := ps.rp.Upload(ctx, ps.repo, layer); err != nil {
		return fmt.Errorf("blob %s: %w", desc.Digest, clean(err))
	}
	if l.opened.Load() || src == nil {
		emit(Event{ID: id, Status: StatusPushed, Current: desc.Size, Total: desc.Size})
	} else {
		emit(Event{ID: id, Status: StatusMounted + " " + src.RepositoryStr(), Total: desc.Size})
	}
	return nil
}

// blobExists asks the registry with HEAD whether the repository has desc.
func (ps *pusher) blobExists(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	u := url.URL{Scheme: ps.repo.Scheme(), Host: ps.repo.RegistryStr(),
		Path: fmt.Sprintf("/v2/%s/blobs/%s", ps.repo.RepositoryStr(), desc.Digest)}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		return false, err
	}
	resp, err := ps.head.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return false, nil
	}
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return false, clean(err)
	}
	return true, nil
}

// mountSource is the repository of the same registry a blob was pulled
// from, recorded by Pull in a source label, or nil.
func (ps *pusher) mountSource(ctx context.Context, desc ocispec.Descriptor) *name.Repository {
	labels, err := ps.c.Content.Labels(ctx, desc.Digest)
	if err != nil {
		return nil
	}
	path, ok := labels[labelSource+ps.repo.RegistryStr()]
	if !ok || path == ps.repo.RepositoryStr() {
		return nil
	}
	var o RemoteOptions
	repo, err := o.repository(ps.repo.RegistryStr(), path, ps.repo.Scheme() == "http")
	if err != nil {
		return nil
	}
	return &repo
}

// rawManifest hands go-containerregistry a manifest's bytes as stored, so
// its digest does not change on the way.
type rawManifest struct {
	data      []byte
	mediaType types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.data, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mediaType, nil }

// storeLayer is a blob of the content store as go-containerregistry's
// v1.Layer, read only when the registry needs the bytes.
type storeLayer struct {
	ctx    context.Context
	store  ContentStore
	desc   ocispec.Descriptor
	emit   func(Event)
	opened atomic.Bool
}

func (l *storeLayer) Digest() (v1.Hash, error) { return v1.NewHash(l.desc.Digest.String()) }
func (l *storeLayer) DiffID() (v1.Hash, error) {
	return v1.Hash{}, fmt.Errorf("diff ID of %s: not needed for a push", l.desc.Digest)
}
func (l *storeLayer) Size() (int64, error) { return l.desc.Size, nil }
func (l *storeLayer) MediaType() (types.MediaType, error) {
	return types.MediaType(l.desc.MediaType), nil
}
func (l *storeLayer) Uncompressed() (io.ReadCloser, error) {
	return nil, fmt.Errorf("uncompressed %s: not needed for a push", l.desc.Digest)
}

// Compressed opens the stored bytes, reporting upload progress as they
// are read.
func (l *storeLayer) Compressed() (io.ReadCloser, error) {
	r, err := l.store.Open(l.ctx, l.desc.Digest)
	if err != nil {
		return nil, err
	}
	l.opened.Store(true)
	pr := &progressReader{r: r, pw: progressWriter{w: io.Discard, emit: l.emit,
		ev: Event{ID: shortID(l.desc.Digest), Status: StatusPushing, Total: l.desc.Size}}}
	pr.pw.report()
	return pr, nil
}

// progressReader reports what is read through it.
type progressReader struct {
	r  io.ReadCloser
	pw progressWriter
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.pw.Write(b[:n])
	return n, err
}

func (p *progressReader) Close() error { return p.r.Close() }
