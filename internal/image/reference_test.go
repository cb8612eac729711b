package image

import (
	"errors"
	"strings"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

const testDigest = "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"

func TestParseNormalized(t *testing.T) {
	tests := []struct {
		in, want, familiar string
		domain, path, tag  string
	}{
		{"busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest"},
		{"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36", "docker.io", "library/busybox", "1.36"},
		{"library/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest"},
		{"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest"},
		{"index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest"},
		{"user/img:tag", "docker.io/user/img:tag", "user/img:tag", "docker.io", "user/img", "tag"},
		{"user/sub/img", "docker.io/user/sub/img:latest", "user/sub/img:latest", "docker.io", "user/sub/img", "latest"},
		{"localhost/img", "localhost/img:latest", "localhost/img:latest", "localhost", "img", "latest"},
		{"localhost:5000/a/b@" + testDigest, "localhost:5000/a/b@" + testDigest, "localhost:5000/a/b@" + testDigest, "localhost:5000", "a/b", ""},
		{"127.0.0.1:5000/img:v1", "127.0.0.1:5000/img:v1", "127.0.0.1:5000/img:v1", "127.0.0.1:5000", "img", "v1"},
		{"[::1]:5000/img", "[::1]:5000/img:latest", "[::1]:5000/img:latest", "[::1]:5000", "img", "latest"},
		{"quay.io/coreos/etcd:v3.5", "quay.io/coreos/etcd:v3.5", "quay.io/coreos/etcd:v3.5", "quay.io", "coreos/etcd", "v3.5"},
		{"registry:5000/img", "registry:5000/img:latest", "registry:5000/img:latest", "registry:5000", "img", "latest"},
		{"busybox:1.36@" + testDigest, "docker.io/library/busybox:1.36@" + testDigest, "busybox:1.36@" + testDigest, "docker.io", "library/busybox", "1.36"},
		{"a_b/c-d__e.f", "docker.io/a_b/c-d__e.f:latest", "a_b/c-d__e.f:latest", "docker.io", "a_b/c-d__e.f", "latest"},
		{"Example.com/img", "Example.com/img:latest", "Example.com/img:latest", "Example.com", "img", "latest"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseNormalized(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got := r.FamiliarString(); got != tt.familiar {
				t.Errorf("FamiliarString() = %q, want %q", got, tt.familiar)
			}
			if r.Domain != tt.domain || r.Path != tt.path || r.Tag != tt.tag {
				t.Errorf("parts = %q %q %q, want %q %q %q", r.Domain, r.Path, r.Tag, tt.domain, tt.path, tt.tag)
			}
		})
	}
}

func TestParseNormalizedErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "empty reference"},
		{"Busybox", "must be lowercase"},
		{"user/Img", "must be lowercase"},
		{"busybox:", "expected [domain/]path"},
		{":tag", "expected [domain/]path"},
		{"busybox:tag with space", "expected [domain/]path"},
		{"busybox:" + strings.Repeat("t", 129), "expected [domain/]path"},
		{"busybox@sha256:abc", "invalid digest"},
		{"busybox@md5:d41d8cd98f00b204e9800998ecf8427e", "invalid digest"},
		{strings.Repeat("a", 64), "image ID, not a repository name"},
		{"a_b.c/img", `"a_b.c" is not a valid registry host`},
		{"-busybox", "expected [domain/]path"},
		{"user//img", "expected [domain/]path"},
		{"http://example.com/img", "expected [domain/]path"},
		{"docker.io/" + strings.Repeat("a/", 130) + "b", "must not be more than 255"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseNormalized(tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "invalid reference format: ") || !strings.Contains(msg, tt.reason) {
				t.Errorf("error %q, want prefix %q and %q", msg, "invalid reference format: ", tt.reason)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
			if !errors.Is(err, errdefs.ErrInvalidArgument) {
				t.Errorf("error %v does not wrap ErrInvalidArgument", err)
			}
		})
	}
}

func TestWithTag(t *testing.T) {
	r, err := ParseNormalized("busybox@" + testDigest)
	if err != nil {
		t.Fatal(err)
	}
	tagged, err := r.WithTag("mine")
	if err != nil {
		t.Fatal(err)
	}
	if got := tagged.String(); got != "docker.io/library/busybox:mine" {
		t.Errorf("got %q", got)
	}
	if _, err := r.WithTag("bad tag"); err == nil || !strings.HasPrefix(err.Error(), "invalid reference format: ") {
		t.Errorf("bad tag: %v", err)
	}
}
