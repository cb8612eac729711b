package engine

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/archive"
)

// ArchivePath writes the file or directory p of the host as a tar stream
// whose entries start with name, as `docker cp` sends a local path: p's
// last component, when a symlink, is sent as one unless follow is set.
func ArchivePath(w io.Writer, p, name string, follow bool) error {
	flags := unix.O_PATH | unix.O_CLOEXEC
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Open(p, flags, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	return writeArchive(w, fd, name)
}

// writeArchive writes the tree at fd (an O_PATH descriptor, of a symlink
// itself when the tree is one) to w, named name. The walk goes down by
// descriptor and never follows a symlink, so nothing a container changes
// meanwhile can lead it outside the tree. A file linked more than once
// within the tree is written once and then as hard links to that name;
// sockets are left out, as tar(1) leaves them.
func writeArchive(w io.Writer, fd int, name string) error {
	a := &archiver{tw: tar.NewWriter(w), links: map[[2]uint64]string{}}
	if err := a.add(fd, name); err != nil {
		return err
	}
	return a.tw.Close()
}

type archiver struct {
	tw    *tar.Writer
	links map[[2]uint64]string // (device, inode) of files with several links: first name
}

// add writes the entry fd and, for a directory, everything below it.
func (a *archiver) add(fd int, name string) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &os.PathError{Op: "stat", Path: name, Err: err}
	}
	var target string
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		var err error
		if target, err = readlinkFD(fd); err != nil {
			return &os.PathError{Op: "readlink", Path: name, Err: err}
		}
	}
	hdr := archive.FileHeader(name, &st, target)
	switch {
	case hdr == nil:
		return nil
	case hdr.Typeflag == tar.TypeDir:
		if err := a.tw.WriteHeader(hdr); err != nil {
			return err
		}
		return a.addChildren(fd, name)
	case hdr.Typeflag == tar.TypeReg:
		return a.addFile(fd, &st, hdr)
	}
	return a.tw.WriteHeader(hdr)
}

// addFile writes a regular file, or a hard link to an earlier name of it.
func (a *archiver) addFile(fd int, st *unix.Stat_t, hdr *tar.Header) error {
	if st.Nlink > 1 {
		key := [2]uint64{st.Dev, st.Ino}
		if first, ok := a.links[key]; ok {
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			return a.tw.WriteHeader(hdr)
		}
		a.links[key] = hdr.Name
	}
	// Reopening the O_PATH descriptor reads the very file that was
	// stat'ed, whatever its name leads to now.
	f, err := os.OpenFile(fdPath(fd), os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := a.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := io.CopyN(a.tw, f, st.Size); err != nil {
		return fmt.Errorf("reading %s: %w (it changed while being copied)", hdr.Name, err)
	}
	return nil
}

// addChildren writes a directory's entries in name order.
func (a *archiver) addChildren(fd int, name string) error {
	dir, err := os.OpenFile(fdPath(fd), os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return fmt.Errorf("listing %s: %w", name, err)
	}
	slices.Sort(names)
	for _, n := range names {
		child, err := unix.Openat(fd, n, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) {
			continue // removed meanwhile
		}
		if err != nil {
			return &os.PathError{Op: "open", Path: name + "/" + n, Err: err}
		}
		err = a.add(child, name+"/"+n)
		unix.Close(child)
		if err != nil {
			return err
		}
	}
	return nil
}

// readlinkFD reads the symlink fd (an O_PATH|O_NOFOLLOW descriptor).
func readlinkFD(fd int) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// fileMode turns a stat(2) mode into Go's.
func fileMode(m uint32) os.FileMode {
	mode := os.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= os.ModeDir
	case unix.S_IFLNK:
		mode |= os.ModeSymlink
	case unix.S_IFCHR:
		mode |= os.ModeDevice | os.ModeCharDevice
	case unix.S_IFBLK:
		mode |= os.ModeDevice
	case unix.S_IFIFO:
		mode |= os.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= os.ModeSocket
	}
	if m&unix.S_ISUID != 0 {
		mode |= os.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= os.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= os.ModeSticky
	}
	return mode
}

// errSkipEntry, from a rewriteTar function, leaves the entry out.
var errSkipEntry = errors.New("skip this entry")

// rewriteTar passes the tar stream r through fn, which may change each
// header or skip the entry. The caller closes the returned reader, which
// stops the copy if the reader is not read to its end.
func rewriteTar(r io.Reader, fn func(*tar.Header) error) *io.PipeReader {
	pr, pw := io.Pipe()
	go func() {
		tr, tw := tar.NewReader(r), tar.NewWriter(pw)
		for {
			hdr, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err == nil {
				err = fn(hdr)
				if err == errSkipEntry {
					continue
				}
			}
			if err == nil {
				err = tw.WriteHeader(hdr)
			}
			if err == nil {
				_, err = io.Copy(tw, tr)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(tw.Close())
	}()
	return pr
}
