package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

// Image is the record that gives an image a name: a normalised reference
// pointing at a manifest or an index in the content store. Several names may
// point at the same target; that is what tagging is.
type Image struct {
	// Name is the normalised reference, "docker.io/library/busybox:latest".
	Name string `json:"name"`
	// Target is the manifest or index the name points at.
	Target ocispec.Descriptor `json:"target"`
	// ID is the digest of the config the target resolves to on this host,
	// the image ID `hull images` shows. It is set by whoever resolved the
	// target (pull, load, build), since the store reads no blobs; it may be
	// empty, and then lookups by ID use the target's digest alone.
	ID digest.Digest `json:"id,omitempty"`
	// Labels are hull's own annotations on the record, not the image's
	// config labels.
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
	UpdatedAt time.Time         `json:"updatedAt"`
}

// ShortID is the 12-hex-digit form of the image ID (of the target digest
// when the ID is unknown), as `docker images` prints it.
func (i Image) ShortID() string {
	d := i.identity()
	if d.Validate() != nil {
		return ""
	}
	return d.Encoded()[:12]
}

// identity is what lookups by ID treat as "the same image".
func (i Image) identity() digest.Digest {
	if i.ID != "" {
		return i.ID
	}
	return i.Target.Digest
}

// Store keeps image records on disk, one JSON file per name under a
// directory, so that many hull processes can share it: writers take an
// exclusive flock on the directory's lock file, readers a shared one, and
// every record is replaced atomically (written to a temporary file, synced,
// renamed), so a crash leaves either the old record or the new one.
//
// Names passed to Get, Put and Delete are normalised first, so "busybox"
// and "docker.io/library/busybox:latest" are the same record.
type Store struct {
	dir string
	now func() time.Time
}

const lockFile = "lock"

// NewStore opens the store in dir, creating it if needed.
func NewStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating image store: %w", err)
	}
	return &Store{dir: dir, now: time.Now}, nil
}

// Put creates or replaces the record for img.Name and returns it as stored.
// A replaced record keeps its CreatedAt; UpdatedAt is always now. To tag an
// image, Put a new name with the same Target and ID.
func (s *Store) Put(ctx context.Context, img Image) (Image, error) {
	ref, err := ParseNormalized(img.Name)
	if err != nil {
		return Image{}, err
	}
	img.Name = ref.String()
	if err := checkRecord(img); err != nil {
		return Image{}, err
	}
	err = s.locked(ctx, true, func() error {
		old, err := s.read(img.Name)
		switch {
		case err == nil:
			img.CreatedAt = old.CreatedAt
		case !errdefs.IsNotFound(err):
			return err
		}
		img.UpdatedAt = s.now().UTC()
		if img.CreatedAt.IsZero() {
			img.CreatedAt = img.UpdatedAt
		}
		return s.write(img)
	})
	if err != nil {
		return Image{}, fmt.Errorf("storing image %s: %w", ref.FamiliarString(), err)
	}
	return img, nil
}

// checkRecord refuses a record that would point nowhere useful.
func checkRecord(img Image) error {
	t := img.Target
	if err := t.Digest.Validate(); err != nil {
		return fmt.Errorf("image %s: target digest %q: %v: %w", img.Name, t.Digest, err, errdefs.ErrInvalidArgument)
	}
	if !IsIndex(t.MediaType) && !IsManifest(t.MediaType) {
		return fmt.Errorf("image %s: target media type %q is neither a manifest nor an index: %w",
			img.Name, t.MediaType, errdefs.ErrInvalidArgument)
	}
	if t.Size <= 0 {
		return fmt.Errorf("image %s: target size %d: %w", img.Name, t.Size, errdefs.ErrInvalidArgument)
	}
	if img.ID != "" {
		if err := img.ID.Validate(); err != nil {
			return fmt.Errorf("image %s: ID %q: %v: %w", img.Name, img.ID, err, errdefs.ErrInvalidArgument)
		}
	}
	return nil
}

// Get returns the record named name. A missing record is an error wrapping
// errdefs.ErrNotFound.
func (s *Store) Get(ctx context.Context, name string) (Image, error) {
	ref, err := ParseNormalized(name)
	if err != nil {
		return Image{}, err
	}
	var img Image
	err = s.locked(ctx, false, func() error {
		img, err = s.read(ref.String())
		return err
	})
	if err != nil {
		return Image{}, fmt.Errorf("image %s: %w", ref.FamiliarString(), err)
	}
	return img, nil
}

// List returns every record, sorted by name.
func (s *Store) List(ctx context.Context) ([]Image, error) {
	var list []Image
	err := s.locked(ctx, false, func() error {
		var err error
		list, err = s.readAll()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	slices.SortFunc(list, func(a, b Image) int { return strings.Compare(a.Name, b.Name) })
	return list, nil
}

// Delete removes the record named name; the blobs it pointed at stay until
// the content store's garbage collection finds them unreferenced.
func (s *Store) Delete(ctx context.Context, name string) error {
	ref, err := ParseNormalized(name)
	if err != nil {
		return err
	}
	err = s.locked(ctx, true, func() error {
		err := os.Remove(s.path(ref.String()))
		if os.IsNotExist(err) {
			return fmt.Errorf("no such image: %w", errdefs.ErrNotFound)
		}
		if err != nil {
			return err
		}
		return syncDir(s.dir)
	})
	if err != nil {
		return fmt.Errorf("deleting image %s: %w", ref.FamiliarString(), err)
	}
	return nil
}

// path is the record file for a normalised name. Names hold '/' and ':' and
// may be longer than a file name may be, so files are named by a hash.
func (s *Store) path(name string) string {
	sum := sha256.Sum256([]byte(name))
	return filepath.Join(s.dir, hex.EncodeToString(sum[:])+".json")
}
