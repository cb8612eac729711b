package volume

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Usage is the size of the volume's data in bytes, as `system df -v` and
// Docker's UsageData count it: the apparent sizes of everything but
// directories, each hard-linked file once. A device volume not mounted
// now counts as empty. Containers may write to the volume meanwhile; the
// walk opens every directory without following symlinks, so what they
// plant cannot lead it elsewhere.
func (s *Store) Usage(name string) (int64, error) {
	v, err := s.Get(name)
	if err != nil {
		return 0, err
	}
	fd, err := unix.Open(v.Mountpoint, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("usage of volume %s: %w", name, err)
	}
	u := &usage{seen: map[fileID]bool{}}
	err = u.dir(fd)
	unix.Close(fd)
	if err != nil {
		return 0, fmt.Errorf("usage of volume %s: %w", name, err)
	}
	return u.total, nil
}

type fileID struct{ dev, ino uint64 }

type usage struct {
	total int64
	seen  map[fileID]bool // multiply-linked files counted already
}

// dir adds up the directory open as fd, which stays open.
func (u *usage) dir(fd int) error {
	names, err := readDirNames(fd)
	if err != nil {
		return err
	}
	for _, name := range names {
		var st unix.Stat_t
		err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if errors.Is(err, unix.ENOENT) {
			continue // deleted by a container meanwhile
		}
		if err != nil {
			return fmt.Errorf("stat %s: %w", name, err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			u.file(&st)
			continue
		}
		sub, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP) {
			continue // replaced meanwhile
		}
		if err != nil {
			return fmt.Errorf("open %s: %w", name, err)
		}
		err = u.dir(sub)
		unix.Close(sub)
		if err != nil {
			return fmt.Errorf("%s/%w", name, err)
		}
	}
	return nil
}

func (u *usage) file(st *unix.Stat_t) {
	if st.Nlink > 1 {
		id := fileID{uint64(st.Dev), st.Ino}
		if u.seen[id] {
			return
		}
		u.seen[id] = true
	}
	u.total += st.Size
}
