package image

import (
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Manifests, configs and references come from registries and users; the
// parsers must refuse bad input with an error, never panic, and whatever
// they accept must be self-consistent.

func FuzzParseNormalized(f *testing.F) {
	for _, s := range []string{"busybox", "localhost:5000/a/b@" + testDigest, "user/img:tag", "[::1]:5000/x", "a_b.c/img"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseNormalized(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid reference format: ") {
				t.Fatalf("error %q lacks the prefix", err)
			}
			return
		}
		again, err := ParseNormalized(r.String())
		if err != nil || again != r {
			t.Fatalf("%q → %q does not parse back to itself: %v", s, r, err)
		}
	})
}

func FuzzDecode(f *testing.F) {
	f.Add("", `{"schemaVersion":2,"manifests":[]}`)
	f.Add(ocispec.MediaTypeImageManifest, `{"schemaVersion":2,"config":{},"layers":[]}`)
	f.Add(MediaTypeDockerManifestList, `{"schemaVersion":2,"mediaType":"`+MediaTypeDockerManifestList+`","manifests":[{}]}`)
	f.Add("", `{"schemaVersion":1,"fsLayers":[]}`)
	f.Fuzz(func(t *testing.T, mediaType, data string) {
		doc, err := Decode(mediaType, []byte(data))
		if err != nil {
			return
		}
		if (doc.Index != nil) == (doc.Manifest != nil) || IsIndex(doc.MediaType) != (doc.Index != nil) {
			t.Fatalf("accepted %q as %s with index=%v manifest=%v", data, doc.MediaType, doc.Index != nil, doc.Manifest != nil)
		}
	})
}

func FuzzDecodeConfig(f *testing.F) {
	f.Add(`{"rootfs":{"type":"layers","diff_ids":[]}}`, 0)
	f.Add(`{"rootfs":{"type":"layers","diff_ids":["`+testDigest+`"]},"history":[{"empty_layer":true}]}`, 1)
	f.Fuzz(func(t *testing.T, data string, layers int) {
		img, err := DecodeConfig([]byte(data), layers)
		if err != nil {
			return
		}
		if len(ChainIDs(img.RootFS.DiffIDs)) != layers {
			t.Fatal("chain IDs do not match the layer count")
		}
		_, _ = History(img)
	})
}
