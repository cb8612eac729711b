package image

import (
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestLayerMediaTypes(t *testing.T) {
	tests := []struct {
		mt       string
		layer    bool
		comp     Compression
		nondistr bool
	}{
		{ocispec.MediaTypeImageLayer, true, Uncompressed, false},
		{ocispec.MediaTypeImageLayerGzip, true, Gzip, false},
		{ocispec.MediaTypeImageLayerZstd, true, Zstd, false},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar", true, Uncompressed, true},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", true, Gzip, true},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", true, Zstd, true},
		{MediaTypeDockerLayer, true, Uncompressed, false},
		{MediaTypeDockerLayerGzip, true, Gzip, false},
		{MediaTypeDockerForeignLayer, true, Gzip, true},
		{"application/vnd.oci.image.layer.v1.tar+gzip+encrypted", false, 0, false},
		{"application/vnd.oci.image.layer.v1.tar+bzip2", false, 0, false},
		{ocispec.MediaTypeImageConfig, false, 0, false},
		{ocispec.MediaTypeImageManifest, false, 0, false},
		{"", false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.mt, func(t *testing.T) {
			if got := IsLayer(tt.mt); got != tt.layer {
				t.Errorf("IsLayer = %v, want %v", got, tt.layer)
			}
			comp, err := LayerCompression(tt.mt)
			if (err == nil) != tt.layer {
				t.Errorf("LayerCompression error = %v, want error %v", err, !tt.layer)
			}
			if err == nil && comp != tt.comp {
				t.Errorf("compression = %v, want %v", comp, tt.comp)
			}
			if got := IsNonDistributable(tt.mt); got != tt.nondistr {
				t.Errorf("IsNonDistributable = %v, want %v", got, tt.nondistr)
			}
		})
	}
}

func TestManifestMediaTypes(t *testing.T) {
	if !IsIndex(ocispec.MediaTypeImageIndex) || !IsIndex(MediaTypeDockerManifestList) || IsIndex(MediaTypeDockerManifest) {
		t.Error("IsIndex")
	}
	if !IsManifest(ocispec.MediaTypeImageManifest) || !IsManifest(MediaTypeDockerManifest) || IsManifest(MediaTypeDockerSchema1) {
		t.Error("IsManifest")
	}
	if !IsConfig(ocispec.MediaTypeImageConfig) || !IsConfig(MediaTypeDockerConfig) || IsConfig("application/vnd.cncf.helm.config.v1+json") {
		t.Error("IsConfig")
	}
}
