package build

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

// tree writes files (name → content; a name ending in "/" is a directory,
// content "->target" a symlink) under a new directory.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(name, "/"):
			err := os.MkdirAll(p, 0o755)
			if err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(body, "->"):
			if err := os.Symlink(body[2:], p); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// listTree lists every path under dir, directories with a trailing "/".
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if p == dir || err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if fi.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	sort.Strings(out)
	return out
}

// copyInto runs a COPY of srcs to dest from context dir c into a new tree
// holding rootfs files, and returns the tree.
func copyInto(t *testing.T, c *Context, rootfs map[string]string, req copyRequest) (string, error) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("copying sets owners: needs root")
	}
	root := tree(t, rootfs)
	bd := &build{}
	srcs, err := bd.resolveSources(c.Dir, c, req)
	if err != nil {
		return root, err
	}
	cp, err := newCopier(context.Background(), root, req, c)
	if err != nil {
		return root, err
	}
	return root, cp.copyAll(srcs, req.dest)
}

func contextOf(t *testing.T, files map[string]string) *Context {
	t.Helper()
	c, err := ContextDir(tree(t, files))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCopyRules(t *testing.T) {
	c := contextOf(t, map[string]string{
		"a.txt": "a", "b.txt": "b", "dir/x": "x", "dir/sub/y": "y", "dir/skip.log": "no",
		".dockerignore": "**/*.log\n",
	})
	for _, tc := range []struct {
		name    string
		sources []string
		dest    string
		want    []string
	}{
		{"file to a new name", []string{"a.txt"}, "/new", []string{"new"}},
		{"file into a directory named with /", []string{"a.txt"}, "/d/", []string{"d/", "d/a.txt"}},
		{"file into an existing directory", []string{"a.txt"}, "/etc", []string{"etc/a.txt"}},
		{"a directory's contents, not itself", []string{"dir"}, "/app", []string{"app/", "app/sub/", "app/sub/y", "app/x"}},
		{"a glob", []string{"*.txt"}, "/g/", []string{"g/", "g/a.txt", "g/b.txt"}},
		{"several sources", []string{"a.txt", "dir/sub"}, "/m/", []string{"m/", "m/a.txt", "m/y"}},
	} {
		root, err := copyInto(t, c, map[string]string{"etc/": ""}, copyRequest{name: "COPY", sources: tc.sources, dest: tc.dest})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got []string
		for _, p := range listTree(t, root) {
			if p != "etc/" {
				got = append(got, p)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: tree %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCopyErrors(t *testing.T) {
	c := contextOf(t, map[string]string{"a.txt": "a", "b.txt": "b", "secret": "s", ".dockerignore": "secret\n"})
	for _, tc := range []struct {
		sources []string
		dest    string
		want    error
	}{
		{[]string{"a.txt", "b.txt"}, "/noslash", errdefs.ErrInvalidArgument},
		{[]string{"*.txt"}, "/noslash", errdefs.ErrInvalidArgument},
		{[]string{"missing"}, "/x", errdefs.ErrNotFound},
		{[]string{"secret"}, "/x", errdefs.ErrNotFound},
		{[]string{"../../etc/passwd"}, "/x", errdefs.ErrNotFound},
		{[]string{"*.nothing"}, "/x/", errdefs.ErrNotFound},
	} {
		bd := &build{}
		_, err := bd.resolveSources(c.Dir, c, copyRequest{name: "COPY", sources: tc.sources, dest: tc.dest})
		if !errorsIs(err, tc.want) {
			t.Errorf("COPY %v %s: %v, want %v", tc.sources, tc.dest, err, tc.want)
		}
	}
}

func errorsIs(err, target error) bool {
	for e := err; e != nil; {
		if e == target {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// A symlink in the image must not send a COPY outside the tree.
func TestCopyStaysInsideTheTree(t *testing.T) {
	outside := t.TempDir()
	c := contextOf(t, map[string]string{"f": "data"})
	root, err := copyInto(t, c, map[string]string{"etc/": "", "link": "->" + outside, "abs": "->/"},
		copyRequest{name: "COPY", sources: []string{"f"}, dest: "/link/f"})
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Fatalf("COPY through a symlink wrote outside the tree: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(root, outside, "f")); err != nil {
		t.Errorf("the link should resolve inside the tree: %v", err)
	}
}

func TestCopyOwnerAndMode(t *testing.T) {
	c := contextOf(t, map[string]string{"f": "data"})
	root, err := copyInto(t, c, map[string]string{"etc/": ""},
		copyRequest{name: "COPY", sources: []string{"f"}, dest: "/f", chown: "1234", chmod: "4750"})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, "f"))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != 1234 || st.Gid != 1234 {
		t.Errorf("owner %d:%d, want 1234:1234 (a user alone gives its number as group)", st.Uid, st.Gid)
	}
	if fi.Mode()&os.ModePerm != 0o750 || fi.Mode()&os.ModeSetuid == 0 {
		t.Errorf("mode %v, want setuid 0750", fi.Mode())
	}
	if _, _, err := parseChmod("u+x"); !errorsIs(err, errdefs.ErrInvalidArgument) {
		t.Errorf("--chmod=u+x: %v", err)
	}
}

func TestDigestSources(t *testing.T) {
	c := contextOf(t, map[string]string{"d/a": "a", "d/b": "b", "d/x.log": "log", ".dockerignore": "*/*.log\n"})
	bd := &build{}
	sum := func() string {
		srcs, err := bd.resolveSources(c.Dir, c, copyRequest{name: "COPY", sources: []string{"d"}, dest: "/"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := bd.digestSources(srcs, c)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := sum()
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(c.Dir, "d/a"), later, later)
	if sum() != first {
		t.Errorf("a new mtime changed the digest")
	}
	os.WriteFile(filepath.Join(c.Dir, "d/x.log"), []byte("other"), 0o644)
	if sum() != first {
		t.Errorf("an ignored file changed the digest")
	}
	os.Chmod(filepath.Join(c.Dir, "d/a"), 0o755)
	second := sum()
	if second == first {
		t.Errorf("a new mode left the digest as it was")
	}
	os.WriteFile(filepath.Join(c.Dir, "d/b"), []byte("B"), 0o644)
	if sum() == second {
		t.Errorf("new content left the digest as it was")
	}
}

func TestStepKey(t *testing.T) {
	p := digest.FromString("parent")
	k := stepKey(p, "RUN a", "")
	if k != stepKey(p, "RUN a", "") {
		t.Error("the key is not deterministic")
	}
	for _, other := range []digest.Digest{
		stepKey(digest.FromString("other"), "RUN a", ""),
		stepKey(p, "RUN b", ""),
		stepKey(p, "RUN a", "x"),
		stepKey(p, "RUN ", "a"),
	} {
		if other == k {
			t.Errorf("two different steps share key %s", k)
		}
	}
}
