package image

import (
	"context"
	"errors"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

func plat(os, arch, variant string) ocispec.Platform {
	return ocispec.Platform{OS: os, Architecture: arch, Variant: variant}
}

// multiArch stores an index over several platforms, as docker.io/library
// images are published, with a BuildKit attestation entry among them.
func multiArch(t *testing.T, b blobs, mediaType string, docker bool) (ocispec.Descriptor, map[string]ocispec.Descriptor) {
	t.Helper()
	byName := map[string]ocispec.Descriptor{}
	var entries []ocispec.Descriptor
	for _, p := range []ocispec.Platform{
		plat("linux", "amd64", ""), plat("linux", "arm", "v6"), plat("linux", "arm", "v7"),
		plat("linux", "arm64", "v8"), plat("linux", "386", ""), plat("linux", "ppc64le", ""),
	} {
		d := b.addImage(t, p, docker)
		byName[PlatformOf(p).String()] = d
		entries = append(entries, d)
	}
	att := b.addImage(t, plat("unknown", "unknown", ""), docker)
	att.Annotations = map[string]string{"vnd.docker.reference.type": "attestation-manifest"}
	entries = append(entries, att)
	return b.addIndex(t, mediaType, entries...), byName
}

func TestResolvePlatform(t *testing.T) {
	tests := []struct{ platform, want string }{
		{"linux/amd64", "linux/amd64"},
		{"linux/arm64", "linux/arm64"},
		{"linux/arm64/v8", "linux/arm64"},
		{"linux/arm/v7", "linux/arm/v7"},
		{"linux/arm/v6", "linux/arm/v6"},
		{"linux/arm/v8", "linux/arm/v7"}, // best compatible, not the first one listed (v6)
		{"linux/386", "linux/386"},
		{"linux/ppc64le", "linux/ppc64le"},
	}
	for _, kind := range []struct {
		name   string
		mt     string
		docker bool
	}{{"oci", ocispec.MediaTypeImageIndex, false}, {"docker", MediaTypeDockerManifestList, true}} {
		b := blobs{}
		index, byName := multiArch(t, b, kind.mt, kind.docker)
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.platform, func(t *testing.T) {
				p, err := ParsePlatform(tt.platform)
				if err != nil {
					t.Fatal(err)
				}
				r, err := Resolve(context.Background(), b, index, p)
				if err != nil {
					t.Fatal(err)
				}
				if want := byName[tt.want]; r.ManifestDesc.Digest != want.Digest {
					t.Errorf("resolved %s, want the %s manifest", PlatformOf(*r.ManifestDesc.Platform), tt.want)
				}
				if len(r.Layers) != 1 || !IsConfig(r.Config.MediaType) {
					t.Errorf("resolved %+v", r)
				}
			})
		}
	}
}

func TestResolvePrefersExact(t *testing.T) {
	b := blobs{}
	arm := b.addImage(t, plat("linux", "arm", "v7"), false)
	arm64 := b.addImage(t, plat("linux", "arm64", ""), false)
	index := b.addIndex(t, ocispec.MediaTypeImageIndex, arm, arm64)
	r, err := Resolve(context.Background(), b, index, Platform{"linux", "arm64", ""})
	if err != nil {
		t.Fatal(err)
	}
	if r.ManifestDesc.Digest != arm64.Digest {
		t.Errorf("picked %s over the exact linux/arm64", PlatformOf(*r.ManifestDesc.Platform))
	}
	index = b.addIndex(t, ocispec.MediaTypeImageIndex, arm)
	if r, err = Resolve(context.Background(), b, index, Platform{"linux", "arm64", ""}); err != nil || r.ManifestDesc.Digest != arm.Digest {
		t.Errorf("arm64 should fall back to arm/v7: %v", err)
	}
}

func TestResolveNoMatch(t *testing.T) {
	b := blobs{}
	index, _ := multiArch(t, b, ocispec.MediaTypeImageIndex, false)
	_, err := Resolve(context.Background(), b, index, Platform{"linux", "s390x", ""})
	want := "no image for platform linux/s390x in " + index.Digest.String() +
		" (available: linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64, linux/386, linux/ppc64le)"
	if err == nil || err.Error() != want {
		t.Fatalf("error %q\nwant  %q", err, want)
	}
	var nm *NoMatchError
	if !errdefs.IsNotFound(err) || !errors.As(err, &nm) || len(nm.Available) != 6 {
		t.Errorf("error kind: %#v", err)
	}
}

func TestResolveUntypedEntriesAndNesting(t *testing.T) {
	b := blobs{}
	amd := b.addImage(t, plat("linux", "amd64", ""), false)
	arm := b.addImage(t, plat("linux", "arm64", ""), false)
	amd.Platform, arm.Platform = nil, nil // the config alone says what they run on
	inner := b.addIndex(t, ocispec.MediaTypeImageIndex, arm, amd)
	outer := b.addIndex(t, ocispec.MediaTypeImageIndex, inner)
	r, err := Resolve(context.Background(), b, outer, Platform{"linux", "amd64", ""})
	if err != nil {
		t.Fatal(err)
	}
	if r.ManifestDesc.Digest != amd.Digest {
		t.Errorf("resolved %s, want the amd64 manifest", r.ManifestDesc.Digest)
	}
	if _, err := Resolve(context.Background(), b, outer, Platform{"linux", "riscv64", ""}); !errdefs.IsNotFound(err) {
		t.Errorf("riscv64: %v", err)
	}
}

func TestResolveManifestDirectly(t *testing.T) {
	b := blobs{}
	m := b.addImage(t, plat("linux", "arm64", ""), true)
	m.Platform = nil
	r, err := Resolve(context.Background(), b, m, DefaultPlatform())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ReadConfig(context.Background(), b, r)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Architecture != "arm64" || len(cfg.RootFS.DiffIDs) != 1 {
		t.Errorf("config %+v", cfg)
	}
}

func TestResolveRefuses(t *testing.T) {
	b := blobs{}
	good := b.addImage(t, plat("linux", "amd64", ""), false)

	tampered := good
	tampered.Digest = b.addBytes("", []byte("other")).Digest
	b[tampered.Digest] = append([]byte(nil), b[good.Digest]...)

	artifact := ocispec.Manifest{Config: ocispec.Descriptor{MediaType: "application/vnd.cncf.helm.config.v1+json",
		Digest: good.Digest, Size: 1}, Layers: []ocispec.Descriptor{}}
	artifact.SchemaVersion = 2
	encrypted := ocispec.Manifest{Config: ocispec.DescriptorEmptyJSON, Layers: []ocispec.Descriptor{fakeLayer(1)}}
	encrypted.Config.MediaType = ocispec.MediaTypeImageConfig
	encrypted.Layers[0].MediaType += "+encrypted"
	encrypted.SchemaVersion = 2
	missing := good
	missing.Digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
	huge := good
	huge.Size = 1 << 30

	tests := []struct {
		name string
		desc ocispec.Descriptor
		want string
	}{
		{"digest mismatch", tampered, "does not match its digest"},
		{"artifact", b.add(t, ocispec.MediaTypeImageManifest, artifact), "is not a container image"},
		{"encrypted layer", b.add(t, ocispec.MediaTypeImageManifest, encrypted), "unsupported compression or encryption"},
		{"missing blob", missing, "not found"},
		{"too large", huge, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(context.Background(), b, tt.desc, DefaultPlatform())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}
