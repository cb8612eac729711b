package content

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/opencontainers/go-digest"
)

// Provider reads committed blobs.
type Provider interface {
	// Info describes a committed blob, or fails with errdefs.ErrNotFound.
	Info(ctx context.Context, dgst digest.Digest) (Info, error)
	// Open returns a reader of a committed blob. Reading it sequentially to
	// the end verifies its digest; see Reader.
	Open(ctx context.Context, dgst digest.Digest) (*Reader, error)
}

// Ingester writes blobs, verifying them before anyone can read them.
//
// A pull of one blob goes:
//
//	w, err := store.Ingest(ctx, "pull-"+desc.Digest.String(), desc.Digest, desc.Size)
//	if errors.Is(err, errdefs.ErrAlreadyExists) {
//		return nil // another pull, maybe in another process, got it first
//	}
//	if err != nil {
//		return err
//	}
//	defer w.Close()
//	body := fetch(desc, w.Offset()) // resume where an interrupted pull stopped
//	if _, err := io.Copy(w, body); err != nil {
//		return err // the ingest stays for a later resume, or CleanIngests
//	}
//	return w.Commit(labels)
type Ingester interface {
	// Ingest opens (or resumes) the ingest named ref. expected and
	// expectedSize are what Commit checks; pass "" and UnknownSize when
	// the caller does not know them.
	Ingest(ctx context.Context, ref string, expected digest.Digest, expectedSize int64) (*Writer, error)
}

// Manager lists, labels and removes blobs.
type Manager interface {
	Walk(ctx context.Context, fn func(Info) error) error
	Labels(ctx context.Context, dgst digest.Digest) (map[string]string, error)
	SetLabels(ctx context.Context, dgst digest.Digest, labels map[string]string) error
	Delete(ctx context.Context, dgst digest.Digest) error
	GC(ctx context.Context, roots ...digest.Digest) (GCResult, error)
	Usage(ctx context.Context) (Usage, error)
}

// Store is hull's content store: the blobs of images (manifests, indexes,
// configs, layers), each named by the digest of its bytes. Local is the
// implementation, a directory on disk; the interface is the seam the image
// and registry packages depend on.
type Store interface {
	Provider
	Ingester
	Manager
}

var _ Store = (*Local)(nil)

// UnknownSize tells Ingest that the caller does not know the blob's size,
// so Commit checks only the digest. Zero is a real size: the empty blob.
const UnknownSize = -1

// Labels the garbage collector reads. Other labels are the caller's own.
const (
	// LabelGCRoot marks a blob that GC keeps however nothing refers to it,
	// e.g. the manifest or index an image name points at. Any non-empty
	// value counts; a timestamp is a useful one.
	LabelGCRoot = "hull.gc.root"
	// LabelGCRefPrefix starts a label whose value is the digest of a blob
	// this one refers to, keeping the child alive as long as this one is:
	// "hull.gc.ref.config", "hull.gc.ref.layer.0", "hull.gc.ref.manifest.3".
	// The part after the prefix only has to make keys unique.
	LabelGCRefPrefix = "hull.gc.ref."
)

// ErrCorrupt is wrapped by errors for a blob whose bytes no longer hash to
// its name: a disk error, or someone editing the store by hand. The blob
// must not be used; Delete it and fetch it again.
var ErrCorrupt = errors.New("content corrupted")

// Info describes one committed blob.
type Info struct {
	Digest digest.Digest
	Size   int64
	// CommittedAt is when the blob was committed (its file's mtime).
	CommittedAt time.Time
	Labels      map[string]string
}

// Usage is what `system df` shows for the content store.
type Usage struct {
	Blobs int   // committed blobs
	Size  int64 // their bytes
	// Ingests and IngestSize count unfinished writes: live pulls, or
	// interrupted ones waiting for a resume or CleanIngests.
	Ingests    int
	IngestSize int64
}

// GCResult is what one GC freed.
type GCResult struct {
	Removed []digest.Digest
	Bytes   int64
}

// Blob is what Open returns, for callers that want only the io interfaces.
type Blob interface {
	io.Reader
	io.ReaderAt
	io.Closer
	Size() int64
}

var _ Blob = (*Reader)(nil)
