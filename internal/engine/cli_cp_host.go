package engine

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/archive"
)

// ExtractOptions tune ExtractArchive.
type ExtractOptions struct {
	// From and To rename the first component of every entry: an archive
	// of /etc/hosts extracted as "hosts.bak" has From "hosts" and To
	// "hosts.bak". Empty From renames nothing.
	From, To string
	// Owner, when set, owns every extracted file (uid, gid); nil keeps
	// the archive's owners (docker cp -a).
	Owner *[2]int
}

// ExtractArchive unpacks a tar stream that CopyFromContainer wrote into the
// host directory dir, as `docker cp` does on the client's side. The stream
// comes from a container, so it is treated as hostile: every entry is
// resolved beneath dir (see package archive), and none may replace a
// directory with a non-directory or the reverse.
func ExtractArchive(ctx context.Context, r io.Reader, dir string, opts ExtractOptions) error {
	root, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(root)
	pr := rewriteTar(r, func(hdr *tar.Header) error {
		if opts.From != "" {
			hdr.Name = rebase(hdr.Name, opts.From, opts.To)
			if hdr.Typeflag == tar.TypeLink {
				hdr.Linkname = rebase(hdr.Linkname, opts.From, opts.To)
			}
		}
		if path.Clean("/"+hdr.Name) == "/" {
			return errSkipEntry // dir itself keeps its owner and mode
		}
		if opts.Owner != nil {
			hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = opts.Owner[0], opts.Owner[1], "", ""
		}
		return checkReplace(root, hdr)
	})
	defer pr.Close()
	_, err = archive.Apply(ctx, fdPath(root), pr, archive.ApplyOptions{Whiteouts: archive.CopyWhiteouts})
	return err
}

// rebase replaces name's first component from with to.
func rebase(name, from, to string) string {
	first, rest, _ := strings.Cut(strings.TrimPrefix(name, "./"), "/")
	if strings.HasPrefix(name, "./") && from == "." {
		first, rest = ".", strings.TrimPrefix(name, "./")
	}
	if first != from {
		return name
	}
	if rest == "" {
		return to
	}
	return to + "/" + rest
}
