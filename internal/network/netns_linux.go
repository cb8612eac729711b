package network

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/netif"
)

// createNetns makes a new network namespace with its loopback up and
// bind-mounts it at path, where it stays until removeNetns: the
// container's processes come and go (restarts) but the namespace, its
// interfaces and addresses remain. An existing namespace at path is kept.
func createNetns(path string) (created bool, err error) {
	if isNetns(path) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o444)
	if err != nil {
		return false, fmt.Errorf("creating network namespace file: %w", err)
	}
	f.Close()
	errc := make(chan error, 1)
	go func() {
		// The thread's namespace changes and is never changed back: the
		// goroutine ends locked, so the Go runtime ends the thread with it
		// instead of handing it to other goroutines.
		runtime.LockOSThread()
		errc <- unshareNetns(path)
	}()
	if err := <-errc; err != nil {
		os.Remove(path)
		return false, err
	}
	return true, nil
}

func unshareNetns(path string) error {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("creating network namespace: %w", err)
	}
	self := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
	if err := unix.Mount(self, path, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("mounting network namespace at %s: %w", path, err)
	}
	if err := netif.Up("lo"); err != nil {
		unix.Unmount(path, unix.MNT_DETACH)
		return err
	}
	return nil
}

// isNetns reports whether path is a mounted network namespace (nsfs).
func isNetns(path string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC
}

// removeNetns unmounts and deletes the namespace file. The namespace dies
// with its last user; its veth ends die with it. Removing what is not
// there is no error.
func removeNetns(path string) error {
	for isNetns(path) {
		if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("unmounting network namespace %s: %w", path, err)
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing network namespace %s: %w", path, err)
	}
	return nil
}
