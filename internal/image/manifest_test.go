package image

import (
	"errors"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestDecodeKinds(t *testing.T) {
	b := blobs{}
	oci := b.addImage(t, ocispec.Platform{OS: "linux", Architecture: "amd64"}, false)
	docker := b.addImage(t, ocispec.Platform{OS: "linux", Architecture: "amd64"}, true)
	index := b.addIndex(t, ocispec.MediaTypeImageIndex, oci)
	list := b.addIndex(t, MediaTypeDockerManifestList, docker)
	// An OCI manifest and index may leave out mediaType; only their shape
	// tells them apart.
	bareManifest := b.addBytes("", []byte(`{"schemaVersion":2,"config":{"mediaType":"`+
		ocispec.MediaTypeImageConfig+`","digest":"`+string(oci.Digest)+`","size":1},"layers":[]}`))
	bareIndex := b.addBytes("", []byte(`{"schemaVersion":2,"manifests":[]}`))

	tests := []struct {
		name     string
		desc     ocispec.Descriptor
		declared string
		want     string
	}{
		{"oci manifest", oci, oci.MediaType, ocispec.MediaTypeImageManifest},
		{"oci index", index, index.MediaType, ocispec.MediaTypeImageIndex},
		{"docker manifest", docker, docker.MediaType, MediaTypeDockerManifest},
		{"docker list", list, list.MediaType, MediaTypeDockerManifestList},
		{"oci manifest by field", oci, "", ocispec.MediaTypeImageManifest},
		{"docker manifest by field", docker, "", MediaTypeDockerManifest},
		{"docker list by field", list, "application/octet-stream", MediaTypeDockerManifestList},
		{"oci manifest by shape", bareManifest, "", ocispec.MediaTypeImageManifest},
		{"oci index by shape", bareIndex, "application/json", ocispec.MediaTypeImageIndex},
		{"oci manifest declared, field absent", bareManifest, ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageManifest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Decode(tt.declared, b[tt.desc.Digest])
			if err != nil {
				t.Fatal(err)
			}
			if doc.MediaType != tt.want {
				t.Errorf("media type %q, want %q", doc.MediaType, tt.want)
			}
			if IsIndex(tt.want) != (doc.Index != nil) || IsManifest(tt.want) != (doc.Manifest != nil) {
				t.Errorf("decoded into the wrong type: %+v", doc)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	const schema1 = `{"schemaVersion":1,"name":"library/busybox","tag":"latest","architecture":"amd64",` +
		`"fsLayers":[{"blobSum":"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"}],"history":[]}`
	const manifest = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`
	tests := []struct {
		name, declared, doc, want string
	}{
		{"schema1 by content", "", schema1, "schema 1 is not supported"},
		{"schema1 by type", MediaTypeDockerSchema1Signed, schema1, "schema 1 is not supported"},
		{"schema1 declared as json", "application/json", schema1, "schema 1 is not supported"},
		{"declared differs from field", ocispec.MediaTypeImageIndex, manifest, "declared media type"},
		{"index type on a manifest", ocispec.MediaTypeImageIndex, strings.Replace(manifest, `"mediaType":"application/vnd.oci.image.manifest.v1+json",`, "", 1), "does not match"},
		{"ambiguous", "", `{"schemaVersion":2,"manifests":[],"layers":[],"config":{}}`, "both manifests and config/layers"},
		{"neither", "", `{"schemaVersion":2}`, "neither a manifest"},
		{"unknown type", "application/vnd.example+json", `{"schemaVersion":2,"manifests":[]}`, "unsupported manifest media type"},
		{"schema version", "", `{"schemaVersion":3,"manifests":[]}`, "schemaVersion 3"},
		{"not json", "", `<html>`, "not a JSON manifest"},
		{"manifest without config", ocispec.MediaTypeImageManifest, `{"schemaVersion":2,"layers":[]}`, "without a config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.declared, []byte(tt.doc))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line containing %q", err, tt.want)
			}
			if !errors.Is(err, errdefs.ErrInvalidArgument) {
				t.Errorf("error does not wrap ErrInvalidArgument")
			}
		})
	}
}
