package image

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/distribution/reference"
)

// checkAgainstDistribution fails when hull's parser and distribution's
// disagree on s: whether it is a reference, what it names, and its
// familiar form. distribution's ParseNormalizedNamed also accepts a name
// whose first component is a host it then cannot read as one, which hull
// refuses (see ParseNormalized); that case is left out.
func checkAgainstDistribution(t *testing.T, s string) {
	t.Helper()
	got, err := ParseNormalized(s)
	named, derr := reference.ParseNormalizedNamed(s)
	if derr == nil && reference.Domain(named) == "" {
		return
	}
	if (err == nil) != (derr == nil) {
		t.Fatalf("%q: hull says %v, distribution says %v", s, err, derr)
	}
	if err != nil {
		return
	}
	named = reference.TagNameOnly(named)
	want := Reference{Domain: reference.Domain(named), Path: reference.Path(named)}
	if tagged, ok := named.(reference.Tagged); ok {
		want.Tag = tagged.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		want.Digest = d.Digest()
	}
	if got != want {
		t.Fatalf("%q: hull parses %+v, distribution %+v", s, got, want)
	}
	if g, w := got.FamiliarString(), reference.FamiliarString(named); g != w {
		t.Fatalf("%q: familiar form %q, distribution's %q", s, g, w)
	}
}

func TestGrammarAgreesWithDistribution(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab01", 16)
	for _, s := range []string{
		"busybox", "busybox:1.36", "library/busybox", "docker.io/busybox", "index.docker.io/x",
		"localhost", "localhost:5000", "localhost:5000/img", "localhost/img:tag",
		"[::1]:5000/img", "[::1]/img", "[::1]", "[]:5000/x", "[::1:5000/x",
		"a.b/c", "a-.b/c", "-a.b/c", "a..b/c", "a.b:/c", "a.b:x/c", "a:1/b:2@" + d,
		"a__b", "a___b", "a--b", "a._b", "a.", "_a", "a/", "/a", "a//b",
		"User/img", "Example.com/img", "example.com/Img", "img@" + d, "img:tag@" + d, "img@sha256:abc",
		"img@md5:" + strings.Repeat("a", 32), "img@sha2-56:" + strings.Repeat("a", 64), "img@" + d + "@" + d,
		"img:" + strings.Repeat("t", 128), "img:" + strings.Repeat("t", 129), "img:.t", "img:-t", "img:_t",
		strings.Repeat("a", 64), strings.Repeat("a", 63), strings.Repeat("A", 64),
		"docker.io/" + strings.Repeat("a/", 125) + "b", "docker.io/" + strings.Repeat("a/", 130) + "b",
		"a:b/c", "a@b:c", ":tag", "@" + d, "img:", "img@",
	} {
		checkAgainstDistribution(t, s)
	}
	// Random strings over the characters the grammar cares about.
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab0z9_.-/:@A[]"
	for range 200000 {
		var b strings.Builder
		for range 1 + rng.IntN(24) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		if rng.IntN(8) == 0 {
			b.WriteString("@" + d)
		}
		checkAgainstDistribution(t, b.String())
	}
}

func FuzzGrammarAgreesWithDistribution(f *testing.F) {
	for _, s := range []string{"busybox", "localhost:5000/a/b:t", "[::1]:5000/x", "a__b.c/d"} {
		f.Add(s)
	}
	f.Fuzz(checkAgainstDistribution)
}
