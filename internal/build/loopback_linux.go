package build

import (
	"fmt"
	goruntime "runtime"

	"golang.org/x/sys/unix"
)

// loopbackUp sets lo up in the network namespace of process pid (a RUN
// step's init, created but not started), as Docker does for --network
// none: a step's tests may listen on and dial 127.0.0.1. It works on a
// thread of its own that joins the namespace and, should it fail to come
// back, is thrown away with its goroutine rather than reused.
func loopbackUp(pid int) error {
	errc := make(chan error, 1)
	go func() {
		goruntime.LockOSThread()
		back, err := setLoopbackIn(pid)
		if back {
			goruntime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// setLoopbackIn reports whether the thread is back in its own namespace.
func setLoopbackIn(pid int) (bool, error) {
	self, err := unix.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return true, fmt.Errorf("setting lo up: %w", err)
	}
	defer unix.Close(self)
	target, err := unix.Open(fmt.Sprintf("/proc/%d/ns/net", pid), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return true, fmt.Errorf("setting lo up: %w", err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("setting lo up: %w", err)
	}
	err = ifUp("lo")
	return unix.Setns(self, unix.CLONE_NEWNET) == nil, err
}

func ifUp(name string) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
	}
	return nil
}
