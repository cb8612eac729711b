package image

import (
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/archive"
	"github.com/hullrt/hull/internal/errdefs"
)

// Docker's media types. The OCI ones are in ocispec; Docker's are spelled
// out here because images built by `docker build` still carry them and hull
// must read them the same way.
const (
	MediaTypeDockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeDockerConfig       = "application/vnd.docker.container.image.v1+json"
	MediaTypeDockerLayer        = "application/vnd.docker.image.rootfs.diff.tar"
	MediaTypeDockerLayerGzip    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	MediaTypeDockerLayerZstd    = "application/vnd.docker.image.rootfs.diff.tar.zstd"
	// MediaTypeDockerForeignLayer marks a layer that registries do not host
	// (Windows base layers); its bytes come from the descriptor's URLs.
	MediaTypeDockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

	// Schema 1 was retired in 2017; hull recognises these only to refuse
	// them by name.
	MediaTypeDockerSchema1       = "application/vnd.docker.distribution.manifest.v1+json"
	MediaTypeDockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
)

// Compression is how a layer blob is compressed: package archive's type,
// which decompresses it; the media type only names it.
type Compression = archive.Compression

// The compressions layers come in; a layer's diff ID is the digest of its
// bytes after decompression, whichever this is.
const (
	Uncompressed = archive.Uncompressed
	Gzip         = archive.Gzip
	Zstd         = archive.Zstd
)

// IsIndex reports whether mt names a list of per-platform manifests.
func IsIndex(mt string) bool {
	return mt == ocispec.MediaTypeImageIndex || mt == MediaTypeDockerManifestList
}

// IsManifest reports whether mt names a single-platform image manifest.
func IsManifest(mt string) bool {
	return mt == ocispec.MediaTypeImageManifest || mt == MediaTypeDockerManifest
}

// IsConfig reports whether mt names a container image configuration, as
// opposed to the config of an artifact (a Helm chart, a signature) that
// shares the manifest format but cannot be run.
func IsConfig(mt string) bool {
	return mt == ocispec.MediaTypeImageConfig || mt == MediaTypeDockerConfig
}

// IsLayer reports whether mt names a filesystem layer hull can unpack, in
// any compression, distributable or not.
func IsLayer(mt string) bool {
	_, err := LayerCompression(mt)
	return err == nil
}

// IsNonDistributable reports whether a layer of type mt may be absent from
// registries (Docker "foreign" layers, OCI "nondistributable" ones). Pushing
// skips such layers and pulling fetches them from the descriptor's URLs, so
// callers must not expect them in the content store.
func IsNonDistributable(mt string) bool {
	return mt == MediaTypeDockerForeignLayer ||
		strings.HasPrefix(mt, "application/vnd.oci.image.layer.nondistributable.")
}

// LayerCompression returns how a layer of media type mt is compressed. It
// fails, wrapping errdefs.ErrInvalidArgument, for anything that is not a
// layer or is compressed or encrypted in a way hull cannot read.
func LayerCompression(mt string) (Compression, error) {
	switch mt {
	case MediaTypeDockerLayer:
		return Uncompressed, nil
	case MediaTypeDockerLayerGzip, MediaTypeDockerForeignLayer:
		return Gzip, nil
	case MediaTypeDockerLayerZstd:
		return Zstd, nil
	}
	base, suffix, _ := strings.Cut(mt, "+")
	if base != ocispec.MediaTypeImageLayer && base != ocispec.MediaTypeImageLayerNonDistributable {
		return 0, fmt.Errorf("media type %q is not a layer: %w", mt, errdefs.ErrInvalidArgument)
	}
	switch suffix {
	case "":
		return Uncompressed, nil
	case "gzip":
		return Gzip, nil
	case "zstd":
		return Zstd, nil
	}
	return 0, fmt.Errorf("layer media type %q: unsupported compression or encryption %q: %w",
		mt, suffix, errdefs.ErrInvalidArgument)
}
