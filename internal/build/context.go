package build

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/hullrt/hull/internal/archive"
	"github.com/hullrt/hull/internal/errdefs"
)

// Context is a build context: a directory and the .dockerignore patterns
// that hide some of its files from COPY and ADD.
type Context struct {
	// Dir is the context's root on the host.
	Dir     string
	ignore  *patternmatcher.PatternMatcher
	cleanup func()
}

// Close removes the temporary directory a tarball context was unpacked
// into; a directory context is left alone.
func (c *Context) Close() {
	if c.cleanup != nil {
		c.cleanup()
	}
}

// ContextDir makes a context of a directory, reading its .dockerignore.
func ContextDir(dir string) (*Context, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("build context %s is not a directory: %w", dir, errdefs.ErrInvalidArgument)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Context{Dir: abs}
	f, err := os.Open(filepath.Join(abs, ".dockerignore"))
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading .dockerignore: %w", err)
	}
	if c.ignore, err = patternmatcher.New(patterns); err != nil {
		return nil, fmt.Errorf("reading .dockerignore: %w", err)
	}
	return c, nil
}

// ContextTar unpacks a tarball (plain, gzip or zstd) into a temporary
// directory under tmp and makes a context of it; Close removes it.
func ContextTar(ctx context.Context, r io.Reader, tmp string) (*Context, error) {
	dir, err := os.MkdirTemp(tmp, "context-")
	if err != nil {
		return nil, err
	}
	if _, err := archive.Apply(ctx, dir, r, archive.ApplyOptions{Whiteouts: archive.CopyWhiteouts, SkipUncreatableDevices: true}); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("unpacking the build context: %w", err)
	}
	c, err := ContextDir(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.cleanup = func() { os.RemoveAll(dir) }
	return c, nil
}

// ContextStdin reads `hull build -`: a tarball is the context, anything
// else is a Dockerfile with an empty context, as with Docker. It returns
// the Dockerfile in the second case.
func ContextStdin(ctx context.Context, r io.Reader, tmp string) (*Context, []byte, error) {
	br := bufio.NewReaderSize(r, 1024)
	head, _ := br.Peek(512)
	if isArchive(head) {
		c, err := ContextTar(ctx, br, tmp)
		return c, nil, err
	}
	df, err := io.ReadAll(br)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp(tmp, "context-")
	if err != nil {
		return nil, nil, err
	}
	return &Context{Dir: dir, cleanup: func() { os.RemoveAll(dir) }}, df, nil
}

// isArchive tells a tarball, compressed or not, from a Dockerfile by its
// first bytes.
func isArchive(head []byte) bool {
	if c, err := archive.DetectCompression(head); err == nil && c != archive.Uncompressed {
		return true
	}
	return len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar"))
}

// ignored reports whether .dockerignore hides rel (a slash-separated path
// relative to the context root).
func (c *Context) ignored(rel string) bool {
	if c.ignore == nil || rel == "" || rel == "." {
		return false
	}
	ok, err := c.ignore.MatchesOrParentMatches(rel)
	return err == nil && ok
}

// Dockerfile reads the Dockerfile: name as given (-f, relative to the
// working directory, "-" for stdin is the caller's business), else
// Dockerfile in the context.
func (c *Context) Dockerfile(name string) ([]byte, error) {
	if name == "" {
		name = filepath.Join(c.Dir, "Dockerfile")
		if _, err := os.Stat(name); err != nil {
			if alt := filepath.Join(c.Dir, "dockerfile"); fileExists(alt) {
				name = alt
			}
		}
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading Dockerfile: %w", err)
	}
	return b, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// relSlash is p relative to root with slashes, "" for root itself.
func relSlash(root, p string) string {
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." {
		return ""
	}
	return strings.ReplaceAll(rel, string(filepath.Separator), "/")
}
