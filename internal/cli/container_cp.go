package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hullrt/hull/internal/engine"
	"github.com/hullrt/hull/internal/errdefs"
)

// cpOptions are `hull cp`'s flags.
type cpOptions struct {
	follow, archive bool
}

// runCp is `hull cp`: files between a container (created, running or
// stopped) and the host, either way, or a tar stream with "-", following
// Docker's rules for what lands where (see prepareCopy).
func runCp(ctx context.Context, e *env, args []string) error {
	var o cpOptions
	var quiet bool
	fs := e.newFlags("cp")
	fs.Bool(&o.follow, "L", "follow-link", "Always follow symbol link in SRC_PATH")
	fs.Bool(&o.archive, "a", "archive", "Archive mode (copy all uid/gid information)")
	fs.Bool(&quiet, "q", "quiet", "Suppress progress output (hull prints none)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := exactArgs("cp", 2, pos); err != nil {
		return err
	}
	srcCtr, src := splitCpArg(pos[0])
	dstCtr, dst := splitCpArg(pos[1])
	eng, err := e.engine()
	if err != nil {
		return err
	}
	switch {
	case srcCtr != "" && dstCtr != "":
		return fmt.Errorf("copying between containers is not supported")
	case srcCtr != "":
		return docker(copyFromContainer(ctx, e, eng, srcCtr, src, dst, o))
	case dstCtr != "":
		return docker(copyToContainer(ctx, e, eng, src, dstCtr, dst, o))
	}
	return fmt.Errorf("must specify at least one container source")
}

// splitCpArg reads "CONTAINER:PATH"; an absolute path, or one starting
// with ".", is local whatever colons it holds.
func splitCpArg(arg string) (container, p string) {
	if filepath.IsAbs(arg) {
		return "", arg
	}
	container, p, ok := strings.Cut(arg, ":")
	if !ok || strings.HasPrefix(container, ".") {
		return "", arg
	}
	return container, p
}

// copyInfo is one side of a copy: where, whether it exists and is a
// directory, and the name the archive's entries should start with when
// that differs from the path's last name (a followed symlink).
type copyInfo struct {
	path          string
	exists, isDir bool
	rebaseName    string
}

// copyFromContainer copies CTR:src to the host path dst, or to stdout as a
// tar stream when dst is "-".
func copyFromContainer(ctx context.Context, e *env, eng *engine.Engine, ctr, src, dst string, o cpOptions) error {
	srcInfo := copyInfo{path: src, exists: true}
	st, err := eng.StatPath(ctx, ctr, src)
	if err != nil {
		return err
	}
	if o.follow && st.Mode&os.ModeSymlink != 0 {
		target := st.LinkTarget
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(path.Clean("/"+src)), target)
		}
		srcInfo.path, srcInfo.rebaseName = rebaseName(src, target)
		if st, err = eng.StatPath(ctx, ctr, srcInfo.path); err != nil {
			return err
		}
	}
	if dst == "-" {
		_, err := eng.CopyFromContainer(ctx, ctr, srcInfo.path, e.stdout)
		return err
	}
	srcInfo.isDir = st.Mode.IsDir()
	dstInfo, err := hostDestination(dst)
	if err != nil {
		return err
	}
	dstDir, name, err := prepareCopy(srcInfo, dstInfo)
	if err != nil {
		return err
	}
	opts := engine.ExtractOptions{From: st.Name, To: name}
	if !o.archive {
		opts.Owner = &[2]int{os.Getuid(), os.Getgid()}
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := eng.CopyFromContainer(ctx, ctr, srcInfo.path, pw)
		pw.CloseWithError(err)
	}()
	err = engine.ExtractArchive(ctx, pr, dstDir, opts)
	pr.CloseWithError(err)
	return err
}

// copyToContainer copies the host path src (or a tar stream on stdin, for
// "-") to CTR:dst.
func copyToContainer(ctx context.Context, e *env, eng *engine.Engine, src, ctr, dst string, o cpOptions) error {
	if _, err := eng.Lookup(ctr); err != nil {
		return err
	}
	dstInfo, err := containerDestination(ctx, eng, ctr, dst)
	if err != nil {
		return err
	}
	opts := engine.CopyToOptions{CopyUIDGID: o.archive}
	if src == "-" {
		if !dstInfo.isDir {
			return fmt.Errorf("destination \"%s:%s\" must be a directory", ctr, dst)
		}
		return eng.CopyToContainer(ctx, ctr, dstInfo.path, e.stdin, opts)
	}
	srcInfo, err := hostSource(src, o.follow)
	if err != nil {
		return err
	}
	dstDir, name, err := prepareCopy(srcInfo, dstInfo)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(engine.ArchivePath(pw, srcInfo.path, name, o.follow)) }()
	err = eng.CopyToContainer(ctx, ctr, dstDir, pr, opts)
	pr.CloseWithError(err)
	return err
}

// containerDestination stats dst in the container, following a symlink
// there as Docker does.
func containerDestination(ctx context.Context, eng *engine.Engine, ctr, dst string) (copyInfo, error) {
	info := copyInfo{path: dst}
	st, err := eng.StatPath(ctx, ctr, dst)
	if err == nil && st.Mode&os.ModeSymlink != 0 {
		target := st.LinkTarget
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(path.Clean("/"+dst)), target)
		}
		info.path = target
		st, err = eng.StatPath(ctx, ctr, target)
	}
	switch {
	case errdefs.IsNotFound(err):
		return info, nil // the copy may still create it in its parent
	case err != nil:
		return info, err
	case !st.Mode.IsDir() && !st.Mode.IsRegular():
		return info, fmt.Errorf("destination \"%s:%s\" must be a directory or a regular file", ctr, dst)
	}
	info.exists, info.isDir = true, st.Mode.IsDir()
	return info, nil
}

// hostSource stats a local source; with follow, a symlink is copied as
// what it leads to, under the link's name.
func hostSource(src string, follow bool) (copyInfo, error) {
	info := copyInfo{path: src, exists: true}
	stat := os.Lstat
	if follow {
		stat = os.Stat
	}
	st, err := stat(src)
	if err != nil {
		return info, err
	}
	info.isDir = st.IsDir()
	return info, nil
}

// hostDestination stats a local destination, following a symlink so that
// the copy lands where it leads. A missing destination needs its parent.
func hostDestination(dst string) (copyInfo, error) {
	info := copyInfo{path: dst}
	if resolved, err := filepath.EvalSymlinks(dst); err == nil {
		if st, err := os.Lstat(dst); err == nil && st.Mode()&os.ModeSymlink != 0 {
			info.path = resolved
		}
	}
	st, err := os.Stat(info.path)
	if errors.Is(err, os.ErrNotExist) {
		parent, _ := splitPathDirEntry(info.path)
		if _, err := os.Stat(parent); err != nil {
			return info, fmt.Errorf("destination directory %s: %w", parent, err)
		}
		return info, nil
	}
	if err != nil {
		return info, err
	}
	info.exists, info.isDir = true, st.IsDir()
	return info, nil
}

// prepareCopy applies Docker's cp rules. It returns the directory to
// extract into and the name the archive's first component must take ("":
// the source's own):
//
//   - into an existing directory: the source goes in under its own name
//     (its contents only, for a source ending in "/.");
//   - onto an existing file: a file replaces it; a directory cannot;
//   - to a missing path: the source is created under that name, unless
//     the path ends in "/" and the source is a file (the directory must
//     exist).
func prepareCopy(src, dst copyInfo) (dir, name string, err error) {
	_, srcBase := splitPathDirEntry(src.path)
	if src.rebaseName != "" {
		srcBase = src.rebaseName
	}
	dstDir, dstBase := splitPathDirEntry(dst.path)
	switch {
	case dst.exists && dst.isDir:
		if src.rebaseName != "" {
			return dst.path, src.rebaseName, nil
		}
		return dst.path, srcBase, nil
	case dst.exists && src.isDir:
		return "", "", fmt.Errorf("cannot copy a directory to a file")
	case dst.exists, src.isDir:
		return dstDir, dstBase, nil
	case strings.HasSuffix(dst.path, "/") || strings.HasSuffix(dst.path, "/."):
		return "", "", fmt.Errorf("the destination directory %s must exist", dst.path)
	}
	return dstDir, dstBase, nil
}

// splitPathDirEntry splits a path into its directory and last name,
// keeping a final "/." as the name ".".
func splitPathDirEntry(p string) (dir, base string) {
	clean := filepath.Clean(p)
	if strings.HasSuffix(p, "/.") || p == "." {
		clean += "/."
	}
	return filepath.Dir(clean), filepath.Base(clean)
}

// rebaseName is Docker's GetRebaseName: when following a symlink changed
// the last name of the path, the archive's entries must still take the
// name the user asked for.
func rebaseName(p, resolved string) (string, string) {
	if (strings.HasSuffix(p, "/.") || p == ".") && !strings.HasSuffix(resolved, "/.") {
		resolved += "/."
	}
	if strings.HasSuffix(p, "/") && !strings.HasSuffix(resolved, "/") {
		resolved += "/"
	}
	if path.Base(p) != path.Base(resolved) {
		return resolved, path.Base(p)
	}
	return resolved, ""
}
