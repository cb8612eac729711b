package image

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

var (
	diffA = digest.Digest("sha256:" + strings.Repeat("a", 64))
	diffB = digest.Digest("sha256:" + strings.Repeat("b", 64))
	diffC = digest.Digest("sha256:" + strings.Repeat("c", 64))
)

func TestChainIDs(t *testing.T) {
	// Computed by hand:
	//   printf '%s %s' sha256:aaa…a sha256:bbb…b | sha256sum
	//   printf '%s %s' sha256:ccd7…146c sha256:ccc…c | sha256sum
	want := []digest.Digest{
		diffA,
		"sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c",
		"sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588",
	}
	got := ChainIDs([]digest.Digest{diffA, diffB, diffC})
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("chain ID %d = %s, want %s", i, got[i], want[i])
		}
	}
	if ChainID([]digest.Digest{diffA, diffB, diffC}) != want[2] || ChainID(nil) != "" {
		t.Error("ChainID")
	}
}

func TestDecodeConfig(t *testing.T) {
	cfg := ocispec.Image{
		Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffA, diffB}},
		Config:   ocispec.ImageConfig{Cmd: []string{"sh"}},
	}
	data, _ := json.Marshal(cfg)
	img, err := DecodeConfig(data, 2)
	if err != nil {
		t.Fatal(err)
	}
	if img.Config.Cmd[0] != "sh" {
		t.Errorf("decoded %+v", img)
	}
	tests := []struct {
		name   string
		data   string
		layers int
		want   string
	}{
		{"too few diff IDs", string(data), 3, "2 diff IDs for 3 layers"},
		{"too many diff IDs", string(data), 1, "2 diff IDs for 1 layers"},
		{"rootfs type", `{"rootfs":{"type":"tarball","diff_ids":[]}}`, 0, `rootfs type "tarball"`},
		{"bad diff ID", `{"rootfs":{"type":"layers","diff_ids":["sha256:xyz"]}}`, 1, "diff ID"},
		{"not json", `[`, 0, "decoding image config"},
	}
	for _, tt := range tests {
		if _, err := DecodeConfig([]byte(tt.data), tt.layers); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestHistory(t *testing.T) {
	img := ocispec.Image{
		RootFS: ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffA, diffB}},
		History: []ocispec.History{
			{CreatedBy: "ADD rootfs.tar /"},
			{CreatedBy: "ENV PATH=/bin", EmptyLayer: true},
			{CreatedBy: "RUN make"},
			{CreatedBy: "CMD [\"sh\"]", EmptyLayer: true},
		},
	}
	h, err := History(img)
	if err != nil {
		t.Fatal(err)
	}
	want := []digest.Digest{diffA, "", diffB, ""}
	for i := range want {
		if h[i].DiffID != want[i] || h[i].CreatedBy != img.History[i].CreatedBy {
			t.Errorf("step %d = %+v, want diff %q", i, h[i], want[i])
		}
	}
	img.RootFS.DiffIDs = img.RootFS.DiffIDs[:1]
	if _, err := History(img); err == nil {
		t.Error("more layer steps than layers accepted")
	}
}
