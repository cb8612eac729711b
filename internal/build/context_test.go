package build

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDockerignore(t *testing.T) {
	c := contextOf(t, map[string]string{
		".dockerignore": "# comment\n*.md\n!README.md\nbuild/\n**/*.tmp\n",
		"a.md":          "", "README.md": "", "build/out": "", "src/x.tmp": "", "src/x.go": "",
	})
	for rel, want := range map[string]bool{
		"a.md": true, "README.md": false, "build": true, "build/out": true,
		"src/x.tmp": true, "src/x.go": false, "src": false,
	} {
		if got := c.ignored(rel); got != want {
			t.Errorf("ignored(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestContextStdin(t *testing.T) {
	c, df, err := ContextStdin(context.Background(), strings.NewReader("FROM busybox\n"), t.TempDir())
	if err != nil || string(df) != "FROM busybox\n" {
		t.Fatalf("a Dockerfile on stdin: %q, %v", df, err)
	}
	c.Close()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: 5, Typeflag: tar.TypeReg})
	tw.Write([]byte("FROM "))
	tw.Close()
	c, df, err = ContextStdin(context.Background(), &buf, t.TempDir())
	if err != nil || df != nil {
		t.Fatalf("a tarball on stdin: %q, %v", df, err)
	}
	b, err := c.Dockerfile("")
	if err != nil || string(b) != "FROM " {
		t.Errorf("the tarball's Dockerfile: %q, %v", b, err)
	}
	c.Close()
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s", c.Dir)
	}
}

func TestAddUnpacksTarballs(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "inner/file", Mode: 0o600, Size: 2, Typeflag: tar.TypeReg, Uid: 7, Gid: 8})
	tw.Write([]byte("hi"))
	tw.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "t.tar"), buf.Bytes(), 0o644)
	c, err := ContextDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	root, err := copyInto(t, c, map[string]string{"etc/": ""}, copyRequest{name: "ADD", add: true, sources: []string{"t.tar"}, dest: "/opt"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "opt/inner/file")); err != nil || string(b) != "hi" {
		t.Errorf("ADD did not unpack the tarball: %q %v", b, err)
	}
	// COPY copies the same file as it is.
	root, err = copyInto(t, c, map[string]string{"etc/": ""}, copyRequest{name: "COPY", sources: []string{"t.tar"}, dest: "/opt/"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "opt/t.tar")); err != nil {
		t.Errorf("COPY of a tarball: %v", err)
	}
}
