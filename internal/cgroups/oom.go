package cgroups

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// OOMWatch reports the kernel's OOM killer acting in a cgroup, for the
// runtime's `events` command:
//
//	w, err := m.OOMEvents()
//	defer w.Close()
//	for range w.C { ... print an "oom" event ... }
//
// C receives a value after each OOM kill; kills close together may arrive
// as one. C is closed when the cgroup is removed or Close is called.
type OOMWatch struct {
	C <-chan struct{}

	file    *os.File // eventfd (v1) or inotify fd (v2); closing it stops the loop
	keep    int      // v1: the memory.oom_control fd registered with the eventfd
	stopped chan struct{}
	once    sync.Once
}

// Close stops the watch and releases its file descriptors. C is closed
// once Close returns.
func (w *OOMWatch) Close() error {
	var err error
	w.once.Do(func() {
		if err = w.file.Close(); errors.Is(err, os.ErrClosed) {
			err = nil // the loop closed it when the cgroup went away
		}
		<-w.stopped
		if w.keep >= 0 {
			unix.Close(w.keep)
		}
	})
	return err
}

// OOMEvents starts watching the cgroup for OOM kills. On v1 it registers an
// eventfd for memory.oom_control through cgroup.event_control (the kernel
// also signals it when the cgroup goes away); on v2 it watches the oom_kill
// counter of memory.events with inotify.
func (m *manager) OOMEvents() (*OOMWatch, error) {
	if d, ok := m.v1["memory"]; ok {
		return oomEventsV1(d.path)
	}
	if m.v2 != nil && m.v2.h.has("memory") {
		return oomEventsV2(m.v2.path)
	}
	return nil, fmt.Errorf("watching for OOM kills: no memory cgroup on this host: %w", errdefs.ErrUnavailable)
}

func oomEventsV1(dir string) (*OOMWatch, error) {
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("creating an eventfd: %w", err)
	}
	ofd, err := openFile(dir+"/memory.oom_control", unix.O_RDONLY)
	if err != nil {
		unix.Close(efd)
		return nil, newFileError("reading", dir, "memory.oom_control", "", err)
	}
	if err := writeFile(dir, "cgroup.event_control", strconv.Itoa(efd)+" "+strconv.Itoa(ofd)); err != nil {
		unix.Close(efd)
		unix.Close(ofd)
		return nil, err
	}
	return startWatch(os.NewFile(uintptr(efd), "oom-eventfd"), ofd, func() (bool, bool) {
		// Each eventfd read is one or more OOM events, unless the
		// signal came from the cgroup's removal.
		return dirExists(dir), !dirExists(dir)
	}), nil
}

func oomEventsV2(dir string) (*OOMWatch, error) {
	ifd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("creating an inotify instance: %w", err)
	}
	if _, err := unix.InotifyAddWatch(ifd, dir+"/memory.events", unix.IN_MODIFY); err != nil {
		unix.Close(ifd)
		return nil, newFileError("reading", dir, "memory.events", "", err)
	}
	kills := func() (uint64, error) {
		kv, err := readKeyValues(dir, "memory.events")
		return kv["oom_kill"], err
	}
	last, err := kills()
	if err != nil {
		unix.Close(ifd)
		return nil, err
	}
	return startWatch(os.NewFile(uintptr(ifd), "oom-inotify"), -1, func() (bool, bool) {
		n, err := kills()
		if err != nil {
			return false, true // the cgroup is gone
		}
		fired := n > last
		last = n
		return fired, false
	}), nil
}

// startWatch runs the loop that turns readable events on f into sends on C.
// check says, after each wakeup, whether an OOM kill happened and whether
// the watch is over.
func startWatch(f *os.File, keep int, check func() (fired, over bool)) *OOMWatch {
	c := make(chan struct{}, 1)
	w := &OOMWatch{C: c, file: f, keep: keep, stopped: make(chan struct{})}
	go func() {
		defer close(w.stopped)
		defer close(c)
		buf := make([]byte, 4096) // an eventfd count or a batch of inotify events
		for {
			if _, err := f.Read(buf); err != nil {
				if !errors.Is(err, os.ErrClosed) {
					f.Close()
				}
				return
			}
			fired, over := check()
			if fired {
				select {
				case c <- struct{}{}:
				default: // one pending notice covers this one too
				}
			}
			if over {
				f.Close()
				return
			}
		}
	}()
	return w
}
