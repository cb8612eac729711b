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
	"golang.org/x/sys/unix"

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
	dir, cleanup, err := tempContextDir(tmp)
	if err != nil {
		return nil, err
	}
	root := filepath.Join(dir, "context")
	if _, err := archive.Apply(ctx, root, r, archive.ApplyOptions{Whiteouts: archive.CopyWhiteouts, SkipUncreatableDevices: true}); err != nil {
		cleanup()
		return nil, fmt.Errorf("unpacking the build context: %w", err)
	}
	c, err := ContextDir(root)
	if err != nil {
		cleanup()
		return nil, err
	}
	c.cleanup = cleanup
	return c, nil
}

// tempContextDir makes a directory for an unpacked context under tmp
// (DIR/tmp for a Builder's callers), holding a flocked file so that
// SweepContexts can tell one a killed build left from one in use.
func tempContextDir(tmp string) (string, func(), error) {
	if tmp != "" {
		if err := os.MkdirAll(tmp, 0o700); err != nil {
			return "", nil, err
		}
	}
	dir, err := os.MkdirTemp(tmp, "context-")
	if err != nil {
		return "", nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err == nil {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	}
	if err == nil {
		err = os.Mkdir(filepath.Join(dir, "context"), 0o755)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir); f.Close() }, nil
}

// sweepContexts removes the unpacked contexts under tmp whose build is gone.
func sweepContexts(tmp string) {
	ents, _ := os.ReadDir(tmp)
	for _, e := range ents {
		dir := filepath.Join(tmp, e.Name())
		f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			continue // being made, or not ours
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			os.RemoveAll(dir)
		}
		f.Close()
	}
}

// TempDir is where callers should unpack tarball contexts (ContextTar,
// ContextStdin), so that the Builder sweeps what a killed build left.
func (b *Builder) TempDir() string { return filepath.Join(b.dir, "tmp") }

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
	dir, cleanup, err := tempContextDir(tmp)
	if err != nil {
		return nil, nil, err
	}
	return &Context{Dir: filepath.Join(dir, "context"), cleanup: cleanup}, df, nil
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
