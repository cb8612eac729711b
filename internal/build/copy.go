package build

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/spec"
)

// copyRequest is a COPY or ADD with its words expanded.
type copyRequest struct {
	name         string // COPY or ADD, for messages
	sources      []string
	dest         string
	from         string
	chown, chmod string
	contents     []instructions.SourceContent // heredoc sources
	add          bool
}

// source is one file or directory a COPY reads, after globbing.
type source struct {
	// abs is where it is on the host (in the context or a mounted
	// stage), symlinks of its own path resolved inside its root.
	abs string
	// rel is its path relative to the context root, for .dockerignore;
	// "" when it comes from a stage or image.
	rel string
	// base is the name it was matched by, which a file keeps in a
	// destination directory.
	base string
}

// copyStep runs a COPY or ADD: its key covers the digest of the files it
// reads, so an unchanged rebuild finds the cache without copying.
func (bd *build) copyStep(ctx context.Context, st *state, req copyRequest) (_ *state, _ bool, err error) {
	w, err := bd.b.newWork()
	if err != nil {
		return nil, false, err
	}
	defer func() {
		if cerr := w.close(context.WithoutCancel(ctx)); err == nil && cerr != nil {
			err = cerr
		}
	}()
	root, ctxRoot, fromKey, err := bd.copyRoot(ctx, w, req.from)
	if err != nil {
		return nil, false, err
	}
	srcs, err := bd.resolveSources(root, ctxRoot, req)
	if err != nil {
		return nil, false, err
	}
	docs, err := writeHeredocs(w, req.contents)
	if err != nil {
		return nil, false, err
	}
	srcs = append(srcs, docs...)
	if len(srcs) > 1 && !strings.HasSuffix(req.dest, "/") {
		return nil, false, fmt.Errorf("When using %s with more than one source file, the destination must be a directory and end with a /: %w", req.name, errdefs.ErrInvalidArgument)
	}
	sum, err := bd.digestSources(srcs, ctxRoot)
	if err != nil {
		return nil, false, err
	}
	dest := req.dest
	if !path.IsAbs(dest) {
		dest = workdir(st.cfg.Config.WorkingDir, dest)
		if strings.HasSuffix(req.dest, "/") || req.dest == "." {
			dest += "/"
		}
	}
	text := fmt.Sprintf("%s --chown=%s --chmod=%s --from=%s %s in %s", req.name, req.chown, req.chmod, fromKey, sum, dest)
	key := stepKey(st.key, text, "")
	if next, ok := bd.lookup(ctx, key, st); ok {
		return next, true, nil
	}
	next := st.clone()
	err = bd.layerStep(ctx, w, st, next, func(w *work) error {
		cp, err := newCopier(ctx, w.rootfs(), req, ctxRoot)
		if err != nil {
			return err
		}
		return cp.copyAll(srcs, dest)
	})
	if err != nil {
		return nil, false, err
	}
	next.addHistory(fmt.Sprintf("/bin/sh -c #(nop) %s %s in %s ", req.name, sum, dest), false)
	if err := bd.save(ctx, next, key, ownLayer(next)); err != nil {
		return nil, false, err
	}
	return next, false, nil
}

// writeHeredocs turns COPY <<EOF documents into files of the work
// directory, sources like the others.
func writeHeredocs(w *work, docs []instructions.SourceContent) ([]source, error) {
	var out []source
	for i, d := range docs {
		dir := filepath.Join(w.dir, "heredoc", strconv.Itoa(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		p := filepath.Join(dir, path.Base(d.Path))
		if err := os.WriteFile(p, []byte(d.Data), 0o644); err != nil {
			return nil, err
		}
		out = append(out, source{abs: p, base: path.Base(d.Path)})
	}
	return out, nil
}

// copyRoot is the tree a COPY reads: the context, or the state of the
// stage or image --from names, mounted read-only in w. ctxRoot is the
// context when it is the context (nil otherwise); fromKey identifies the
// source for messages and the cache text.
func (bd *build) copyRoot(ctx context.Context, w *work, from string) (root string, ctxRoot *Context, fromKey string, err error) {
	if from == "" {
		return bd.opts.Context.Dir, bd.opts.Context, "", nil
	}
	var chain string
	if idx, ok := bd.df.stageIndex(from, len(bd.results)); ok {
		chain = bd.results[idx].chain
	} else {
		base, err := bd.b.images.BuildBase(ctx, from)
		if err != nil {
			return "", nil, "", fmt.Errorf("--from=%s: not a stage before this one nor an image in the store: %w", from, err)
		}
		chain = base.Chain
	}
	dir, err := w.viewFrom(ctx, chain)
	return dir, nil, from, err
}

// resolveSources expands the sources' globs and checks that each exists.
func (bd *build) resolveSources(root string, c *Context, req copyRequest) ([]source, error) {
	var out []source
	for _, s := range req.sources {
		if req.add && isURL(s) {
			return nil, fmt.Errorf("ADD %s: hull builds offline and does not download; fetch the file into the build context and COPY or ADD it from there: %w", s, errdefs.ErrInvalidArgument)
		}
		clean := path.Clean("/" + s)
		matches := []string{clean}
		if strings.ContainsAny(clean, "*?[") {
			var err error
			if matches, err = globIn(root, clean); err != nil {
				return nil, fmt.Errorf("%s %s: %w", req.name, s, err)
			}
		}
		n := 0
		for _, m := range matches {
			src, ok, err := resolveOne(root, c, m)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, src)
				n++
			}
		}
		if n == 0 {
			where := "the build context (or it is excluded by .dockerignore)"
			if c == nil {
				where = "the --from source"
			}
			return nil, fmt.Errorf("%s failed: %q not found in %s: %w", req.name, s, where, errdefs.ErrNotFound)
		}
	}
	if len(out) > 1 && !strings.HasSuffix(req.dest, "/") {
		return nil, fmt.Errorf("When using %s with more than one source file, the destination must be a directory and end with a /: %w", req.name, errdefs.ErrInvalidArgument)
	}
	return out, nil
}

// resolveOne finds one source path (absolute within root) on the host.
func resolveOne(root string, c *Context, p string) (source, bool, error) {
	abs, err := securejoin.SecureJoin(root, p)
	if err != nil {
		return source{}, false, err
	}
	rel := relSlash(root, abs)
	if c != nil && c.ignored(rel) {
		return source{}, false, nil
	}
	if _, err := os.Lstat(abs); err != nil {
		return source{}, false, nil
	}
	return source{abs: abs, rel: rel, base: path.Base(p)}, true, nil
}

// globIn matches a pattern (absolute within root) against root's tree,
// one path element at a time, as filepath.Match does.
func globIn(root, pattern string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		out = append(out, "/"+relSlash(root, m))
	}
	return out, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "git@")
}

// parseChmod reads --chmod, octal as Docker's classic builder takes it.
func parseChmod(s string) (os.FileMode, bool, error) {
	if s == "" {
		return 0, false, nil
	}
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, false, fmt.Errorf("--chmod=%s: not an octal mode: %w", s, errdefs.ErrInvalidArgument)
	}
	return fileMode(uint32(m)), true, nil
}

// fileMode turns permission bits in the kernel's layout into os.FileMode.
func fileMode(m uint32) os.FileMode {
	fm := os.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		fm |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

// resolveOwner reads --chown against the destination's /etc/passwd and
// /etc/group; without it files belong to root, as in Docker.
func resolveOwner(rootfs, chown string) (int, int, error) {
	if chown == "" {
		return 0, 0, nil
	}
	u, _, err := spec.ResolveUser(rootfs, chown, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("--chown=%s: %w", chown, err)
	}
	if !strings.Contains(chown, ":") {
		// Docker: a user without a group gets the group of the same
		// number, not the user's primary group.
		return int(u.UID), int(u.UID), nil
	}
	return int(u.UID), int(u.GID), nil
}
