package imagearchive

import (
	"context"
	"errors"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// ContentStore is what import and export need from the content store:
// content.Store to read and write blobs, ReadBlob to decode manifests and
// configs through the image package, and Lease so that GC cannot take the
// blobs a load has committed before the manifest that refers to them is
// labelled. content.Local is one.
type ContentStore interface {
	content.Store
	image.Provider
	Lease(ctx context.Context) (release func(), err error)
}

// Stores are the two stores an import or export works on: the blobs and
// the records that name them. Both are shared with every other hull
// process, so a load is safe while others pull or run.
type Stores struct {
	Content ContentStore
	Images  *image.Store
}

// The file names of the two formats. A docker-archive's entry point is
// manifest.json; an OCI layout's are oci-layout and index.json.
const (
	dockerManifestFile = "manifest.json"
	repositoriesFile   = "repositories"
	ociLayoutFile      = "oci-layout"
	ociIndexFile       = "index.json"
	ociLayoutVersion   = "1.0.0"
)

// Annotations on index.json entries. The OCI one carries only the tag
// (what skopeo's oci:DIR:TAG and Docker 25+ write); containerd and Docker
// add the full name in their own, which names the image without guessing.
const (
	annotationRefName   = "org.opencontainers.image.ref.name"
	annotationImageName = "io.containerd.image.name"
)

// dockerManifestEntry is one image in a docker-archive's manifest.json.
// Paths are relative to the archive root; Layers are uncompressed tars,
// base first, whose sha256 are the config's diff_ids.
type dockerManifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// ociLayout is the oci-layout file.
type ociLayout struct {
	ImageLayoutVersion string `json:"imageLayoutVersion"`
}

// blobPath is where a blob lives in both formats since Docker 25:
// "blobs/<alg>/<encoded>". A digest that validated has only [a-z0-9+._-]
// in its algorithm and hex in its encoding, so the path cannot escape.
func blobPath(d digest.Digest) string {
	return "blobs/" + d.Algorithm().String() + "/" + d.Encoded()
}

func isAlreadyExists(err error) bool { return errors.Is(err, errdefs.ErrAlreadyExists) }
