package images

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/snapshot"
)

// initPrefix names an image's init layer: initPrefix + the chain ID of its
// top layer.
const initPrefix = "init:"

func initKey(top string) string { return initPrefix + top }

// initEntries are what every container's root filesystem gets mounted on
// or in, when the image lacks them: directories for /proc, /sys and /dev,
// and empty files for the bind mounts of /etc/hosts, /etc/hostname and
// /etc/resolv.conf.
var initEntries = []struct {
	path string
	dir  bool
}{
	{"proc", true}, {"sys", true}, {"dev", true}, {"etc", true},
	{"etc/hosts", false}, {"etc/hostname", false}, {"etc/resolv.conf", false},
}

// initLayer returns the key of the image's init layer, the committed
// snapshot between the image's top layer (top) and its containers' own,
// making it on first use. It holds initEntries, as Docker's init layer
// does: without it, every container's init would make them in the
// container's writable layer, copying /etc up on the way, four inodes
// made and later freed on disk for each container (1 to 3 ms of a
// `hull run --rm` here). Only overlay stores have one: in a copy store a
// layer is a whole copy of the tree.
func (s *Service) initLayer(ctx context.Context, top string) (string, error) {
	key := s.initParent(top)
	if key == top {
		return top, nil
	}
	if s.snapshots.Exists(ctx, key) {
		return key, nil
	}
	var b [6]byte
	rand.Read(b[:])
	// Labelled as an unpacker's work in progress: prune sweeps one a
	// crash leaves behind.
	tmp := key + "-" + hex.EncodeToString(b[:])
	ms, err := s.snapshots.Prepare(ctx, tmp, top, snapshot.WithLabels(map[string]string{labelUnpack: "init"}))
	if err != nil {
		return "", err
	}
	if err := s.fillInit(ms); err != nil {
		s.snapshots.Remove(ctx, tmp)
		return "", fmt.Errorf("making the init layer of %s: %w", top, err)
	}
	err = s.snapshots.Commit(ctx, key, tmp, snapshot.WithLabels(nil))
	if errors.Is(err, errdefs.ErrAlreadyExists) { // made meanwhile by another run
		err = s.snapshots.Remove(ctx, tmp)
	}
	if err != nil {
		return "", err
	}
	return key, nil
}

// fillInit mounts the snapshot ms shows and makes in it what of
// initEntries the image lacks, through the mount, so that /etc is copied
// up with its own mode, owner and attributes. Paths resolve inside the
// mount (os.Root): a symbolic link in the image never leads out of it.
// An entry that cannot be made (/etc a file, or a link out) is left to
// each container's init, which makes mount points where it must.
func (s *Service) fillInit(ms []specs.Mount) error {
	dir, err := os.MkdirTemp(s.root, ".init-")
	if err != nil {
		return err
	}
	defer os.Remove(dir)
	if err := snapshot.Mount(ms, dir); err != nil {
		return err
	}
	defer snapshot.Unmount(dir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, e := range initEntries {
		if _, err := root.Lstat(e.path); !errors.Is(err, fs.ErrNotExist) {
			continue // there already, as whatever the image has
		}
		if e.dir {
			root.Mkdir(e.path, 0o755)
		} else if f, err := root.OpenFile(e.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err == nil {
			f.Close()
		}
	}
	return nil
}

// initParent is where a container on top goes: top's init layer, or top
// itself where there is none (an image without layers, a copy store).
func (s *Service) initParent(top string) string {
	if top == "" || s.snapshots.Driver() != snapshot.DriverOverlay {
		return top
	}
	return initKey(top)
}

// onImage tells whether a snapshot's parent is the image top's: the top
// itself, or its init layer.
func onImage(parent, top string) bool {
	return parent == top || parent == initKey(top)
}

// initOf returns, for an init layer's name, the top layer it is on.
func initOf(name string) (top string, ok bool) {
	return strings.CutPrefix(name, initPrefix)
}
