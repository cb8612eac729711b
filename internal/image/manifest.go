package image

import (
	"context"
	"encoding/json"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

// Provider reads blobs by descriptor. It is the one thing this package needs
// from wherever blobs live: the content store implements it, and so can an
// OCI layout on disk or a map in a test.
//
// ReadBlob returns the whole blob; manifests, indexes and configs are small.
// It returns an error wrapping errdefs.ErrNotFound when the blob is absent.
type Provider interface {
	ReadBlob(ctx context.Context, desc ocispec.Descriptor) ([]byte, error)
}

// Document is a decoded manifest or index. Docker's schema 2 manifest and
// manifest list have the same shape as OCI's manifest and index, so both
// decode into the OCI types; MediaType says which one it was.
type Document struct {
	MediaType string
	Index     *ocispec.Index    // set when IsIndex(MediaType)
	Manifest  *ocispec.Manifest // set when IsManifest(MediaType)
}

// Decode parses a manifest or an index. mediaType is what the descriptor or
// the registry said; when it is empty or generic ("application/json", "application/octet-stream"),
// the document's own mediaType field or, failing that, its shape decides.
// Schema 1 manifests are refused. Errors wrap errdefs.ErrInvalidArgument.
func Decode(mediaType string, data []byte) (Document, error) {
	mt, err := DetectMediaType(mediaType, data)
	if err != nil {
		return Document{}, err
	}
	doc := Document{MediaType: mt}
	if IsIndex(mt) {
		doc.Index = new(ocispec.Index)
		err = json.Unmarshal(data, doc.Index)
	} else {
		doc.Manifest = new(ocispec.Manifest)
		err = json.Unmarshal(data, doc.Manifest)
	}
	if err != nil {
		return Document{}, fmt.Errorf("decoding %s: %v: %w", mt, err, errdefs.ErrInvalidArgument)
	}
	return doc, nil
}

// probe holds the fields that tell the four kinds apart.
type probe struct {
	SchemaVersion int             `json:"schemaVersion"`
	MediaType     string          `json:"mediaType"`
	Config        json.RawMessage `json:"config"`
	Layers        json.RawMessage `json:"layers"`
	Manifests     json.RawMessage `json:"manifests"`
	FSLayers      json.RawMessage `json:"fsLayers"`
}

// DetectMediaType returns the media type of a manifest or index: one of
// ocispec.MediaTypeImageIndex, ocispec.MediaTypeImageManifest,
// MediaTypeDockerManifestList or MediaTypeDockerManifest.
//
// CVE-2021-41190: a document that could be read both as a manifest and as an
// index lets two readers see different images behind one digest. So the
// declared type, the embedded mediaType field and the shape must agree, and a
// document with both "manifests" and "layers" or "config" is refused.
func DetectMediaType(declared string, data []byte) (string, error) {
	var p probe
	if err := json.Unmarshal(data, &p); err != nil {
		return "", invalidManifest("not a JSON manifest or index: %v", err)
	}
	if declared == "application/json" || declared == "application/octet-stream" {
		declared = ""
	}
	if isSchema1(declared) || isSchema1(p.MediaType) || p.SchemaVersion == 1 || present(p.FSLayers) {
		return "", invalidManifest("Docker image manifest schema 1 is not supported " +
			"(deprecated since 2017); push the image again with a current docker or hull")
	}
	if declared != "" && p.MediaType != "" && declared != p.MediaType {
		return "", invalidManifest("declared media type %q but the document says %q", declared, p.MediaType)
	}
	mt := declared
	if mt == "" {
		mt = p.MediaType
	}
	isIndexShape := present(p.Manifests)
	isManifestShape := present(p.Config) || present(p.Layers)
	if isIndexShape && isManifestShape {
		return "", invalidManifest("document has both manifests and config/layers; refusing the ambiguity")
	}
	if mt == "" {
		switch {
		case isIndexShape:
			mt = ocispec.MediaTypeImageIndex
		case isManifestShape:
			mt = ocispec.MediaTypeImageManifest
		default:
			return "", invalidManifest("neither a manifest (no config or layers) nor an index (no manifests)")
		}
	}
	return mt, checkShape(mt, p, isIndexShape, isManifestShape)
}

// checkShape verifies that a known media type has the fields it should.
func checkShape(mt string, p probe, isIndexShape, isManifestShape bool) error {
	switch {
	case IsIndex(mt) && isManifestShape, IsManifest(mt) && isIndexShape:
		return invalidManifest("media type %s does not match the document's fields", mt)
	case IsManifest(mt) && !present(p.Config):
		return invalidManifest("%s without a config", mt)
	case !IsIndex(mt) && !IsManifest(mt):
		return invalidManifest("unsupported manifest media type %q", mt)
	case p.SchemaVersion != 2:
		return invalidManifest("%s with schemaVersion %d, want 2", mt, p.SchemaVersion)
	}
	return nil
}

// present tells a field that is there from one that is absent or null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

func isSchema1(mt string) bool {
	return mt == MediaTypeDockerSchema1 || mt == MediaTypeDockerSchema1Signed
}

func invalidManifest(format string, args ...any) error {
	return fmt.Errorf("invalid manifest: "+format+": %w", append(args, errdefs.ErrInvalidArgument)...)
}
