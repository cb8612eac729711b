package image

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestLookup(t *testing.T) {
	ctx := context.Background()
	s, err := NewStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	withID := func(name, id, target string) Image {
		img := Image{Name: name, Target: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest,
			Digest: digest.Digest("sha256:" + target + strings.Repeat("0", 64-len(target))), Size: 10}}
		if id != "" {
			img.ID = digest.Digest("sha256:" + id + strings.Repeat("0", 64-len(id)))
		}
		return img
	}
	for _, img := range []Image{
		withID("busybox:latest", "3f57d9401f8d", "aa11"),
		withID("mybox:v1", "3f57d9401f8d", "aa11"), // a tag of busybox
		withID("alpine", "3f58aa", "bb22"),
		withID("debian", "c0ffee", "3f57e1"), // its target digest shares a prefix with busybox's ID; errors name image IDs
		withID("noid", "", "dd44"),
	} {
		if _, err := s.Put(ctx, img); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		key   string
		names []string
		err   string
	}{
		{"busybox", []string{"docker.io/library/busybox:latest"}, ""},
		{"docker.io/library/mybox:v1", []string{"docker.io/library/mybox:v1"}, ""},
		{"3f57d9401f8d", []string{"docker.io/library/busybox:latest", "docker.io/library/mybox:v1"}, ""},
		{"sha256:3f57d", []string{"docker.io/library/busybox:latest", "docker.io/library/mybox:v1"}, ""},
		{"3f57d9401f8d" + strings.Repeat("0", 52), []string{"docker.io/library/busybox:latest", "docker.io/library/mybox:v1"}, ""},
		{"aa1", []string{"docker.io/library/busybox:latest", "docker.io/library/mybox:v1"}, ""}, // by target digest
		{"3f58", []string{"docker.io/library/alpine:latest"}, ""},
		{"c0f", []string{"docker.io/library/debian:latest"}, ""},
		{"dd4", []string{"docker.io/library/noid:latest"}, ""},
		{"3f5", nil, `image ID prefix "3f5" is ambiguous: it matches 3f57d9401f8d, 3f58aa000000, c0ffee000000`},
		{"3f57", nil, `image ID prefix "3f57" is ambiguous: it matches 3f57d9401f8d, c0ffee000000`},
		{"ffff", nil, "no such image: ffff"},
		{"missing:tag", nil, "no such image"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, err := s.Lookup(ctx, tt.key)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, img := range got {
				names = append(names, img.Name)
			}
			if strings.Join(names, " ") != strings.Join(tt.names, " ") {
				t.Errorf("got %v, want %v", names, tt.names)
			}
		})
	}
	_, err = s.Lookup(ctx, "3f5")
	if !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("ambiguity kind: %v", err)
	}
	if _, err = s.Lookup(ctx, "ffff"); !errdefs.IsNotFound(err) {
		t.Errorf("not found kind: %v", err)
	}
	busybox, _ := s.Get(ctx, "busybox")
	if busybox.ShortID() != "3f57d9401f8d" {
		t.Errorf("ShortID = %q", busybox.ShortID())
	}
}
