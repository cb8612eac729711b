package image

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

// Platform names the operating system and CPU an image is built for, as
// "os/arch[/variant]". Values from ParsePlatform and DefaultPlatform are
// normalised (aarch64 → arm64, x86_64 → amd64, arm64/v8 → arm64), so two
// spellings of the same platform compare equal.
type Platform struct {
	OS           string
	Architecture string
	Variant      string
}

// DefaultPlatform is the host's platform, what `hull run` picks when no
// --platform is given.
func DefaultPlatform() Platform {
	p := Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
	if p.Architecture == "arm" {
		p.Variant = "v7" // the common case; GOARM is not visible at run time
	}
	return p.normalize()
}

// ParsePlatform parses "os/arch[/variant]" as --platform takes it. A single
// word is an OS ("linux", the host's architecture) or an architecture
// ("arm64", the host's OS). Errors wrap errdefs.ErrInvalidArgument.
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(strings.ToLower(s), "/")
	for _, part := range parts {
		if part == "" || strings.Trim(part, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != "" {
			return Platform{}, invalidPlatform(s, "expected os/arch[/variant]")
		}
	}
	var p Platform
	switch len(parts) {
	case 1:
		host := DefaultPlatform()
		if knownOS(parts[0]) {
			p = Platform{OS: parts[0], Architecture: host.Architecture, Variant: host.Variant}
		} else {
			p = Platform{OS: host.OS, Architecture: parts[0]}
		}
	case 2:
		p = Platform{OS: parts[0], Architecture: parts[1]}
	case 3:
		p = Platform{OS: parts[0], Architecture: parts[1], Variant: parts[2]}
	default:
		return Platform{}, invalidPlatform(s, "expected os/arch[/variant]")
	}
	p = p.normalize()
	if !knownOS(p.OS) {
		return Platform{}, invalidPlatform(s, fmt.Sprintf("unknown operating system %q", p.OS))
	}
	if !knownArch(p.Architecture) {
		return Platform{}, invalidPlatform(s, fmt.Sprintf("unknown architecture %q", p.Architecture))
	}
	return p, nil
}

func invalidPlatform(s, reason string) error {
	return fmt.Errorf("invalid platform %q: %s: %w", s, reason, errdefs.ErrInvalidArgument)
}

// PlatformOf converts an OCI platform (from an index or a config) to a
// normalised Platform, filling an empty OS with the host's as containerd does.
func PlatformOf(o ocispec.Platform) Platform {
	return Platform{OS: o.OS, Architecture: o.Architecture, Variant: o.Variant}.normalize()
}

// String is "os/arch" or "os/arch/variant".
func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// OCI returns p as the image-spec type, for writing into an index.
func (p Platform) OCI() ocispec.Platform {
	return ocispec.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}
}

// Match reports whether an image built for o runs on p. It follows
// containerd's platforms.Only, so hull and containerd pick the same manifest
// from the same index: the OS and architecture must be equal, except that
// amd64 also runs 386, arm64 also runs 32-bit arm up to v8, and a CPU variant
// runs the older variants of its architecture (arm/v7 runs arm/v6 and v5,
// arm64/v8.2 runs v8.1 and v8).
func (p Platform) Match(o ocispec.Platform) bool {
	return p.rank(o) >= 0
}

// rank is the position of o in p's list of compatible platforms, best first,
// or -1 when o does not run on p. Resolve prefers the lowest rank, so an exact
// match wins over a compatible one.
func (p Platform) rank(o ocispec.Platform) int {
	want := PlatformOf(o)
	for i, c := range p.compatible() {
		if c == want {
			return i
		}
	}
	return -1
}

// compatible lists the normalised platforms that run on p, best first.
func (p Platform) compatible() []Platform {
	p = p.normalize()
	with := func(arch, variant string) Platform {
		return Platform{OS: p.OS, Architecture: arch, Variant: variant}.normalize()
	}
	switch p.Architecture {
	case "amd64":
		list := []Platform{p}
		for v := variantNumber(p.Variant) - 1; v >= 1; v-- {
			list = append(list, with("amd64", "v"+strconv.Itoa(v)))
		}
		return append(list, with("386", ""))
	case "arm":
		list := []Platform{p}
		for v := variantNumber(p.Variant) - 1; v >= 5; v-- {
			list = append(list, with("arm", "v"+strconv.Itoa(v)))
		}
		return list
	case "arm64":
		var list []Platform
		for _, v := range arm64Variants(p.Variant) {
			list = append(list, with("arm64", v))
		}
		return append(list, with("arm", "v8").compatible()...)
	}
	return []Platform{p}
}

// arm64Variants lists the arm64 variants a CPU of variant v runs, best first:
// v8.x runs v8.x … v8; v9.x also runs v8.(x+5) … v8, the Armv8 level each
// Armv9 level is defined to include.
func arm64Variants(v string) []string {
	if v == "" {
		v = "v8"
	}
	major, minor := armVersion(v)
	if major != 8 && major != 9 {
		return []string{v}
	}
	var list []string
	add := func(major, top int) {
		for m := top; m >= 0; m-- {
			if m == 0 {
				list = append(list, "v"+strconv.Itoa(major))
			} else {
				list = append(list, fmt.Sprintf("v%d.%d", major, m))
			}
		}
	}
	if major == 9 {
		add(9, minor)
		add(8, min(minor+5, 9))
	} else {
		add(8, minor)
	}
	return list
}

// armVersion splits "v8.2" into 8 and 2; anything unparsable is 0, 0.
func armVersion(v string) (major, minor int) {
	ma, mi, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	major, err := strconv.Atoi(ma)
	if err != nil {
		return 0, 0
	}
	if mi != "" {
		if minor, err = strconv.Atoi(mi); err != nil {
			return 0, 0
		}
	}
	return major, minor
}

func variantNumber(v string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(v, "v"))
	if err != nil {
		return 0
	}
	return n
}

// normalize maps the many spellings of a platform (uname, Debian, Docker)
// onto one, the way containerd does, so matching compares like with like.
func (p Platform) normalize() Platform {
	p.OS = strings.ToLower(p.OS)
	switch p.OS {
	case "":
		p.OS = runtime.GOOS
	case "macos":
		p.OS = "darwin"
	}
	arch, variant := strings.ToLower(p.Architecture), strings.ToLower(p.Variant)
	switch arch {
	case "i386", "386":
		arch, variant = "386", ""
	case "x86_64", "x86-64", "amd64":
		arch = "amd64"
		if variant == "v1" {
			variant = ""
		}
	case "aarch64", "arm64":
		arch = "arm64"
		switch variant {
		case "8", "v8", "v8.0":
			variant = ""
		case "9", "9.0", "v9.0":
			variant = "v9"
		}
	case "armhf":
		arch, variant = "arm", "v7"
	case "armel":
		arch, variant = "arm", "v6"
	case "arm":
		switch variant {
		case "", "7":
			variant = "v7"
		case "5", "6", "8":
			variant = "v" + variant
		}
	}
	p.Architecture, p.Variant = arch, variant
	return p
}

// knownOS and knownArch hold Go's list (go/build/syslist.go): a typo in
// --platform should fail at once, not as "no matching manifest".
func knownOS(os string) bool {
	switch os {
	case "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js",
		"linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos":
		return true
	}
	return false
}

func knownArch(arch string) bool {
	switch arch {
	case "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips",
		"mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le",
		"riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm":
		return true
	}
	return false
}
