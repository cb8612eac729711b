package imagearchive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// ExportLayout writes the images names refer to into the OCI image layout
// directory dir (created if needed), what `oci:DIR` means to skopeo and
// buildah. Unlike Save it copies blobs exactly as stored, compressed layers
// and original manifests alike, since a layout, unlike a docker-archive,
// says each layer's compression in its media type. An index is narrowed
// to the host's platform, as in Save.
//
// An existing layout is added to, as skopeo does: blobs already there are
// kept, and index.json keeps its entries except those for the names
// written now.
func ExportLayout(ctx context.Context, dir string, names []string, s Stores) error {
	imgs, err := collect(ctx, s, names)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	var entries []ocispec.Descriptor
	for _, img := range imgs {
		descs, err := exportImageBlobs(ctx, root, s.Content, img)
		if err != nil {
			return err
		}
		entries = append(entries, descs...)
	}
	return writeLayoutIndex(root, entries)
}

// exportImageBlobs copies one image's blobs into the layout and returns
// its index.json entries.
func exportImageBlobs(ctx context.Context, root *os.Root, cs ContentStore, img *exportImage) ([]ocispec.Descriptor, error) {
	r := img.resolved
	blobs := append([]ocispec.Descriptor{r.ManifestDesc, r.Config}, r.Layers...)
	for _, d := range blobs {
		if image.IsNonDistributable(d.MediaType) {
			if _, err := cs.Info(ctx, d.Digest); err != nil {
				continue
			}
		}
		if err := copyToLayout(ctx, root, cs, d); err != nil {
			return nil, err
		}
	}
	md := r.ManifestDesc
	md.Annotations = nil
	return indexEntries(img, md), nil
}

// copyToLayout writes one blob under blobs/, through a temporary file
// renamed into place, so a reader of the layout never sees half a blob.
func copyToLayout(ctx context.Context, root *os.Root, cs ContentStore, d ocispec.Descriptor) error {
	name := blobPath(d.Digest)
	if fi, err := root.Stat(name); err == nil && fi.Size() == d.Size {
		return nil
	}
	rd, err := cs.Open(ctx, d.Digest)
	if err != nil {
		return fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	defer rd.Close()
	return writeLayoutFile(root, name, rd)
}

func writeLayoutFile(root *os.Root, name string, r io.Reader) error {
	if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
		return err
	}
	tmp := name + ".tmp"
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// writeLayoutIndex merges entries into index.json and writes oci-layout.
func writeLayoutIndex(root *os.Root, entries []ocispec.Descriptor) error {
	idx := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex}
	idx.SchemaVersion = 2
	if data, err := readLayoutFile(root, ociIndexFile); err == nil {
		if err := json.Unmarshal(data, &idx); err != nil {
			return fmt.Errorf("existing %s: %v: %w", ociIndexFile, err, errdefs.ErrInvalidArgument)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	idx.Manifests = append(keepOthers(idx.Manifests, entries), entries...)
	for _, f := range []struct {
		name string
		v    any
	}{{ociLayoutFile, ociLayout{ImageLayoutVersion: ociLayoutVersion}}, {ociIndexFile, idx}} {
		data, err := json.Marshal(f.v)
		if err != nil {
			return err
		}
		if err := writeLayoutFile(root, f.name, bytes.NewReader(data)); err != nil {
			return err
		}
	}
	return nil
}

// keepOthers drops the old entries that carry a name written anew.
func keepOthers(old, added []ocispec.Descriptor) []ocispec.Descriptor {
	names := map[string]bool{}
	for _, d := range added {
		if n := d.Annotations[annotationImageName]; n != "" {
			names[n] = true
		}
	}
	var out []ocispec.Descriptor
	for _, d := range old {
		if !names[d.Annotations[annotationImageName]] || d.Annotations[annotationImageName] == "" {
			out = append(out, d)
		}
	}
	return out
}

func readLayoutFile(root *os.Root, name string) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMetadataSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxMetadataSize {
		return nil, fmt.Errorf("%s is larger than %d bytes: %w", name, maxMetadataSize, errdefs.ErrInvalidArgument)
	}
	return data, nil
}

// ImportLayout loads every image of the OCI image layout directory dir,
// as Load does for an archive: each blob is copied into the content store
// and verified against its digest, each index.json entry with a name
// (io.containerd.image.name, or a ref.name that is a whole reference)
// becomes a record, and unnamed entries are returned with an empty Name.
// Files are opened through an os.Root, so a symlink in the layout cannot
// make hull read outside dir.
func ImportLayout(ctx context.Context, dir string, s Stores) ([]image.Image, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	layout, err := readLayoutFile(root, ociLayoutFile)
	if err != nil {
		return nil, fmt.Errorf("%s: not an OCI image layout: %w", dir, err)
	}
	index, err := readLayoutFile(root, ociIndexFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	idx, err := parseLayout(layout, index)
	if err != nil {
		return nil, err
	}
	release, err := s.Content.Lease(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	im := ociImporter{cs: s.Content, fetch: func(ctx context.Context, d ocispec.Descriptor) error {
		return fetchFromLayout(ctx, root, s.Content, d)
	}}
	plans, err := im.plan(ctx, idx)
	if err != nil {
		return nil, err
	}
	return record(ctx, s, plans)
}

// fetchFromLayout copies a blob from the layout unless the store has it.
// The content store checks the digest and size as it commits.
func fetchFromLayout(ctx context.Context, root *os.Root, cs ContentStore, d ocispec.Descriptor) error {
	if err := checkPresent(ctx, cs, d); err == nil {
		return nil
	}
	f, err := root.Open(blobPath(d.Digest))
	if err != nil {
		return fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	defer f.Close()
	w, err := cs.Ingest(ctx, "import-"+d.Digest.String(), d.Digest, d.Size)
	if isAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer w.Close()
	if _, err := io.Copy(w, f); err != nil {
		_ = w.Abort()
		return fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	if err := w.Commit(nil); err != nil {
		return fmt.Errorf("blob %s in the layout does not match its name: %w", d.Digest, err)
	}
	return nil
}
