package snapshot

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// probeOverlay mounts a small overlay inside dir to learn whether overlayfs
// works here with this backing filesystem; /proc/filesystems alone cannot
// tell (an upper on overlay, NFS or some FUSE filesystems is refused).
func probeOverlay(dir string) error {
	tmp, err := os.MkdirTemp(dir, "probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, d := range []string{"lower", "upper", "work", "merged"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o700); err != nil {
			return err
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s",
		filepath.Join(tmp, "lower"), filepath.Join(tmp, "upper"), filepath.Join(tmp, "work"))
	merged := filepath.Join(tmp, "merged")
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		return fmt.Errorf("overlayfs does not work in %s: %v: %w", dir, err, errdefs.ErrUnavailable)
	}
	return unix.Unmount(merged, unix.MNT_DETACH)
}
