package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// maxSmallBlob bounds a manifest, index or config read into memory, as
// image.Resolve bounds what it parses.
const maxSmallBlob = 4 << 20

// ReadBlob serves image.Resolve: from the content store when the blob is
// there, else from the registry, remembering it for commitTree. Manifests
// come by digest through the manifests endpoint, configs as blobs.
func (p *puller) ReadBlob(ctx context.Context, desc ocispec.Descriptor) ([]byte, error) {
	p.mu.Lock()
	data, ok := p.small[desc.Digest]
	p.mu.Unlock()
	if ok {
		return data, nil
	}
	if data, err := p.c.Content.ReadBlob(ctx, desc); err == nil {
		return data, nil
	}
	data, err := p.fetchSmall(ctx, desc)
	if err != nil {
		return nil, err
	}
	if desc.Digest.Algorithm().FromBytes(data) != desc.Digest {
		return nil, fmt.Errorf("%s from %s: content does not match its digest: %w",
			desc.Digest, p.ep.repo.RegistryStr(), errdefs.ErrInvalidArgument)
	}
	p.keep(desc.Digest, data)
	return data, nil
}

// fetchSmall reads a manifest or a config from the registry.
func (p *puller) fetchSmall(ctx context.Context, desc ocispec.Descriptor) ([]byte, error) {
	if desc.Size > maxSmallBlob {
		return nil, fmt.Errorf("%s: %d bytes is too large for a manifest or config: %w", desc.Digest, desc.Size, errdefs.ErrInvalidArgument)
	}
	if image.IsIndex(desc.MediaType) || image.IsManifest(desc.MediaType) {
		g, err := remote.Get(p.ep.repo.Digest(desc.Digest.String()), p.ep.remoteOpts(ctx)...)
		if err != nil {
			return nil, clean(err)
		}
		return g.Manifest, nil
	}
	body, _, err := p.openBlob(ctx, desc, 0)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return io.ReadAll(io.LimitReader(body, maxSmallBlob+1))
}

// fetchLayers downloads layers, parallelTransfers at a time. The first failure
// cancels the others; their ingests stay for the next pull to resume.
func (p *puller) fetchLayers(ctx context.Context, layers []ocispec.Descriptor) error {
	for _, l := range layers {
		p.opts.emit(Event{ID: shortID(l.Digest), Status: StatusWaiting, Total: l.Size})
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelTransfers)
	for _, l := range layers {
		g.Go(func() error { return p.fetchLayer(gctx, l) })
	}
	return g.Wait()
}

// fetchLayer streams one layer into its ingest and commits it, or skips
// it when the store has it already.
func (p *puller) fetchLayer(ctx context.Context, desc ocispec.Descriptor) error {
	id := shortID(desc.Digest)
	w, err := p.c.Content.Ingest(ctx, "pull-"+desc.Digest.String(), desc.Digest, desc.Size)
	if errors.Is(err, errdefs.ErrAlreadyExists) {
		p.opts.emit(Event{ID: id, Status: StatusAlreadyExists, Total: desc.Size})
		return p.addLabels(ctx, desc.Digest, p.sourceLabel())
	}
	if err != nil {
		return fmt.Errorf("layer %s: %w", desc.Digest, err)
	}
	defer w.Close() // keeps the ingest after a failure, for a resume
	p.mu.Lock()
	p.downloaded = true
	p.mu.Unlock()
	if w.Offset() < desc.Size || desc.Size < 0 {
		if err := p.download(ctx, w, desc, id); err != nil {
			return fmt.Errorf("layer %s: %w", desc.Digest, err)
		}
	}
	p.opts.emit(Event{ID: id, Status: StatusVerifying, Current: desc.Size, Total: desc.Size})
	// Commit checks the digest too; checking first gives the person a
	// shorter message naming where the bad bytes came from.
	if got := w.Digest(); got != desc.Digest {
		w.Abort() // the bytes are wrong: nothing to resume
		return fmt.Errorf("layer %s from %s: digest mismatch: the registry sent content that hashes to %s: %w",
			desc.Digest, p.ep.repo.RegistryStr(), got, errdefs.ErrInvalidArgument)
	}
	if err := w.Commit(p.sourceLabel()); err != nil {
		return fmt.Errorf("layer %s from %s: %w", desc.Digest, p.ep.repo.RegistryStr(), err)
	}
	p.opts.emit(Event{ID: id, Status: StatusDownloadComplete, Current: desc.Size, Total: desc.Size})
	return nil
}

// download copies the blob into w from w's offset, or from the start when
// the registry does not honour the Range request.
func (p *puller) download(ctx context.Context, w *content.Writer, desc ocispec.Descriptor, id string) error {
	body, start, err := p.openBlob(ctx, desc, w.Offset())
	if err != nil {
		return err
	}
	defer body.Close()
	if start != w.Offset() {
		if err := w.Reset(); err != nil {
			return err
		}
	}
	pw := &progressWriter{w: w, emit: p.opts.emit, ev: Event{ID: id, Status: StatusDownloading, Current: start, Total: desc.Size}}
	pw.report()
	if _, err := io.Copy(pw, body); err != nil {
		return err
	}
	pw.report()
	if desc.Size >= 0 && w.Offset() < desc.Size {
		// A body cut short without an error (no Content-Length): keep
		// the ingest for a resume rather than fail the size check.
		return fmt.Errorf("registry sent %d of %d bytes: %w", w.Offset(), desc.Size, io.ErrUnexpectedEOF)
	}
	return nil
}

// openBlob GETs a blob, from offset when offset > 0. It returns where the
// body starts: offset for a 206 answer, 0 for a registry that sent it all.
func (p *puller) openBlob(ctx context.Context, desc ocispec.Descriptor, offset int64) (io.ReadCloser, int64, error) {
	u := url.URL{
		Scheme: p.ep.repo.Scheme(),
		Host:   p.ep.repo.RegistryStr(),
		Path:   fmt.Sprintf("/v2/%s/blobs/%s", p.ep.repo.RepositoryStr(), desc.Digest),
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := (&http.Client{Transport: p.ep.rt}).Do(req)
	if err != nil {
		return nil, 0, err
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return resp.Body, 0, nil
	case resp.StatusCode == http.StatusPartialContent && offset > 0 &&
		strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", offset)):
		return resp.Body, offset, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusPartialContent {
		return nil, 0, fmt.Errorf("registry answered range %q to a request from byte %d", resp.Header.Get("Content-Range"), offset)
	}
	return nil, 0, statusError(resp)
}

// commitTree commits the config, the manifest and the index, children
// before parents, each with GC labels naming the children it keeps alive.
func (p *puller) commitTree(ctx context.Context, top ocispec.Descriptor, r image.Resolved) error {
	if err := p.commitSmall(ctx, r.Config, p.sourceLabel()); err != nil {
		return err
	}
	labels := map[string]string{content.LabelGCRefPrefix + "config": r.Config.Digest.String()}
	for i, l := range r.Layers {
		labels[fmt.Sprintf("%slayer.%d", content.LabelGCRefPrefix, i)] = l.Digest.String()
	}
	if err := p.commitSmall(ctx, r.ManifestDesc, labels); err != nil {
		return err
	}
	if top.Digest == r.ManifestDesc.Digest {
		return nil
	}
	// Keyed by the manifest's digest, so pulls of other platforms of the
	// same index add their manifests next to this one.
	key := content.LabelGCRefPrefix + "manifest." + r.ManifestDesc.Digest.Encoded()[:12]
	return p.commitSmall(ctx, top, map[string]string{key: r.ManifestDesc.Digest.String()})
}

// commitSmall commits a blob read while resolving, or adds labels to it
// if the store has it already.
func (p *puller) commitSmall(ctx context.Context, desc ocispec.Descriptor, labels map[string]string) error {
	p.mu.Lock()
	data, ok := p.small[desc.Digest]
	p.mu.Unlock()
	if !ok {
		return p.addLabels(ctx, desc.Digest, labels)
	}
	w, err := p.c.Content.Ingest(ctx, "pull-"+desc.Digest.String(), desc.Digest, desc.Size)
	if errors.Is(err, errdefs.ErrAlreadyExists) {
		return p.addLabels(ctx, desc.Digest, labels)
	}
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Reset(); err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Commit(labels)
}

// addLabels merges labels into a blob the store has.
func (p *puller) addLabels(ctx context.Context, d digest.Digest, labels map[string]string) error {
	if err := p.c.Content.SetLabels(ctx, d, labels); err != nil {
		return fmt.Errorf("labelling %s: %w", d, err)
	}
	return nil
}

// sourceLabel records the endpoint a blob came from, for Push's mounts.
func (p *puller) sourceLabel() map[string]string {
	return map[string]string{labelSource + p.ep.repo.RegistryStr(): p.ep.repo.RepositoryStr()}
}

// progressWriter counts bytes into a content.Writer and reports them at
// most every 100 ms, so a fast local pull does not flood the terminal.
type progressWriter struct {
	w    io.Writer
	emit func(Event)
	ev   Event
	last time.Time
}

func (pw *progressWriter) Write(b []byte) (int, error) {
	n, err := pw.w.Write(b)
	pw.ev.Current += int64(n)
	if time.Since(pw.last) >= 100*time.Millisecond {
		pw.report()
	}
	return n, err
}

func (pw *progressWriter) report() {
	pw.last = time.Now()
	if pw.emit != nil {
		pw.emit(pw.ev)
	}
}
