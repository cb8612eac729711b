package image

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestParsePlatform(t *testing.T) {
	host := DefaultPlatform()
	tests := []struct {
		in   string
		want Platform
	}{
		{"linux/amd64", Platform{"linux", "amd64", ""}},
		{"linux/amd64/v1", Platform{"linux", "amd64", ""}},
		{"linux/amd64/v3", Platform{"linux", "amd64", "v3"}},
		{"linux/x86_64", Platform{"linux", "amd64", ""}},
		{"linux/arm64/v8", Platform{"linux", "arm64", ""}},
		{"linux/aarch64", Platform{"linux", "arm64", ""}},
		{"linux/arm64/v9.0", Platform{"linux", "arm64", "v9"}},
		{"linux/arm", Platform{"linux", "arm", "v7"}},
		{"linux/arm/v6", Platform{"linux", "arm", "v6"}},
		{"linux/armhf", Platform{"linux", "arm", "v7"}},
		{"Linux/ARM64", Platform{"linux", "arm64", ""}},
		{"linux/i386", Platform{"linux", "386", ""}},
		{"arm64", Platform{host.OS, "arm64", ""}},
		{"linux", Platform{"linux", host.Architecture, host.Variant}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePlatform(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "linux/", "/amd64", "linux/amd64/v8/x", "linux/amd46", "linx/amd64", "linux/amd 64"} {
		_, err := ParsePlatform(bad)
		if err == nil || !errors.Is(err, errdefs.ErrInvalidArgument) || !strings.HasPrefix(err.Error(), "invalid platform") {
			t.Errorf("ParsePlatform(%q) = %v, want invalid platform", bad, err)
		}
	}
}

func TestDefaultPlatform(t *testing.T) {
	p := DefaultPlatform()
	if p.OS != runtime.GOOS {
		t.Errorf("OS = %q", p.OS)
	}
	if runtime.GOARCH == "amd64" && p != (Platform{"linux", "amd64", ""}) {
		t.Errorf("host platform = %+v, want linux/amd64 without a variant", p)
	}
	if got := p.String(); strings.Count(got, "/") < 1 {
		t.Errorf("String() = %q", got)
	}
}

func TestPlatformMatch(t *testing.T) {
	oci := func(os, arch, variant string) ocispec.Platform {
		return ocispec.Platform{OS: os, Architecture: arch, Variant: variant}
	}
	tests := []struct {
		host  string
		image ocispec.Platform
		match bool
	}{
		{"linux/amd64", oci("linux", "amd64", ""), true},
		{"linux/amd64", oci("linux", "386", ""), true},
		{"linux/amd64", oci("linux", "arm64", ""), false},
		{"linux/amd64", oci("windows", "amd64", ""), false},
		{"linux/amd64", oci("linux", "amd64", "v2"), false},
		{"linux/amd64/v3", oci("linux", "amd64", "v2"), true},
		{"linux/amd64/v3", oci("linux", "amd64", "v1"), true},
		{"linux/amd64/v2", oci("linux", "amd64", "v3"), false},
		{"linux/arm64", oci("linux", "arm64", "v8"), true},
		{"linux/arm64", oci("linux", "arm64", ""), true},
		{"linux/arm64", oci("linux", "arm", "v7"), true},
		{"linux/arm64", oci("linux", "arm", "v8"), true},
		{"linux/arm64", oci("linux", "arm64", "v8.2"), false},
		{"linux/arm64/v8.2", oci("linux", "arm64", "v8.1"), true},
		{"linux/arm64/v9", oci("linux", "arm64", "v8.5"), true},
		{"linux/arm64/v9", oci("linux", "arm64", "v8.6"), false},
		{"linux/arm/v7", oci("linux", "arm", "v6"), true},
		{"linux/arm/v7", oci("linux", "arm", "v5"), true},
		{"linux/arm/v7", oci("linux", "arm", ""), true},
		{"linux/arm/v7", oci("linux", "arm", "v8"), false},
		{"linux/arm/v7", oci("linux", "arm64", ""), false},
		{"linux/arm/v6", oci("linux", "arm", "v7"), false},
		{"linux/s390x", oci("linux", "s390x", ""), true},
	}
	for _, tt := range tests {
		host, err := ParsePlatform(tt.host)
		if err != nil {
			t.Fatal(err)
		}
		if got := host.Match(tt.image); got != tt.match {
			t.Errorf("%s matching %s = %v, want %v", tt.host, PlatformOf(tt.image), got, tt.match)
		}
	}
}

func TestPlatformRankPrefersExact(t *testing.T) {
	host, _ := ParsePlatform("linux/arm64")
	order := []ocispec.Platform{
		{OS: "linux", Architecture: "arm64"},
		{OS: "linux", Architecture: "arm", Variant: "v8"},
		{OS: "linux", Architecture: "arm", Variant: "v7"},
		{OS: "linux", Architecture: "arm", Variant: "v5"},
	}
	for i := 1; i < len(order); i++ {
		if host.rank(order[i-1]) >= host.rank(order[i]) {
			t.Errorf("%s should rank before %s", PlatformOf(order[i-1]), PlatformOf(order[i]))
		}
	}
}
