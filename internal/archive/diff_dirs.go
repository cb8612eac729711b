package archive

import (
	"context"
	"io"
	"os"
	"path"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// DiffDirs writes to w, as an uncompressed tar, what turns the tree old into
// the tree new: entries added or changed in new (with their parent
// directories), and a whiteout for each name old has and new lacks. It is
// the copying snapshotter's Diff, where no overlayfs records the changes.
//
// A node counts as changed when its type, mode, owner, size, mtime
// (nanoseconds), device number, symlink target or xattrs differ; file
// contents are not compared, so a rewrite that restores size and mtime
// exactly goes unseen, as in every metadata-based differ.
func DiffDirs(ctx context.Context, w io.Writer, old, new string) (DiffResult, error) {
	lw := newLayerWriter(w)
	if err := lw.walkDirs(ctx, old, new, "", true); err != nil {
		return DiffResult{}, err
	}
	return lw.finish()
}

// walkDirs compares the directory rel of both trees; inOld says whether old
// has a directory there at all.
func (lw *layerWriter) walkDirs(ctx context.Context, old, new, rel string, inOld bool) error {
	newNames, err := readDirSorted(filepath.Join(new, rel))
	if err != nil {
		return err
	}
	var oldNames []string
	if inOld {
		if oldNames, err = readDirSorted(filepath.Join(old, rel)); err != nil {
			return err
		}
	}
	children := make([]child, 0, len(newNames))
	present := make(map[string]bool, len(newNames))
	for _, n := range newNames {
		present[n] = true
		children = append(children, child{tarName: n, name: n})
	}
	for _, n := range oldNames {
		if !present[n] {
			children = append(children, child{tarName: whiteoutPrefix + n, name: n, gone: true})
		}
	}
	sortChildren(children)
	for _, c := range children {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := lw.dirsChild(ctx, old, new, rel, c, inOld); err != nil {
			return err
		}
	}
	return nil
}

func (lw *layerWriter) dirsChild(ctx context.Context, old, new, rel string, c child, inOld bool) error {
	crel := path.Join(rel, c.name)
	if c.gone {
		return lw.addWhiteout(path.Join(rel, c.tarName))
	}
	nabs, oabs := filepath.Join(new, crel), filepath.Join(old, crel)
	var nst, ost unix.Stat_t
	if err := unix.Lstat(nabs, &nst); err != nil {
		return &os.PathError{Op: "lstat", Path: nabs, Err: err}
	}
	wasThere := inOld && unix.Lstat(oabs, &ost) == nil
	same := wasThere && sameNode(oabs, nabs, &ost, &nst)
	if nst.Mode&unix.S_IFMT != unix.S_IFDIR {
		if same {
			return nil
		}
		return lw.addPath(nabs, crel, &nst)
	}
	depth := len(lw.pending)
	if same {
		hdr, err := header(nabs, crel, &nst)
		if err != nil {
			return err
		}
		lw.pending = append(lw.pending, hdr)
	} else if err := lw.addPath(nabs, crel, &nst); err != nil {
		return err
	}
	oldIsDir := wasThere && ost.Mode&unix.S_IFMT == unix.S_IFDIR
	if err := lw.walkDirs(ctx, old, new, crel, oldIsDir); err != nil {
		return err
	}
	if len(lw.pending) > depth {
		lw.pending = lw.pending[:depth] // nothing below changed
	}
	return nil
}

// sameNode compares what a layer records of a node.
func sameNode(oabs, nabs string, o, n *unix.Stat_t) bool {
	if o.Mode != n.Mode || o.Uid != n.Uid || o.Gid != n.Gid || o.Rdev != n.Rdev || o.Mtim != n.Mtim {
		return false
	}
	switch n.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		if o.Size != n.Size {
			return false
		}
	case unix.S_IFLNK:
		ot, err1 := os.Readlink(oabs)
		nt, err2 := os.Readlink(nabs)
		if err1 != nil || err2 != nil || ot != nt {
			return false
		}
	}
	return sameXattrs(oabs, nabs)
}

func sameXattrs(oabs, nabs string) bool {
	ox, err1 := readXattrs(oabs)
	nx, err2 := readXattrs(nabs)
	if err1 != nil || err2 != nil || len(ox) != len(nx) {
		return false
	}
	for k, v := range nx {
		if ov, ok := ox[k]; !ok || ov != v {
			return false
		}
	}
	return true
}
