// Package netif sets network interfaces up in the calling thread's network
// namespace, with one ioctl: what hull needs for a container's loopback,
// which every network namespace starts with down. The runtime (for a
// container that asks, see LoopbackAnnotation) and the network
// package (for a container it attaches) use it, rather than running CNI's
// loopback plugin, a process, per container.
package netif

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// LoopbackAnnotation, set to "up" in a config.json, asks hull's runtime to
// set lo up in the container's network namespace before its process runs:
// Docker's --network none gives a container a working loopback, and OCI
// runtimes leave it down. Runtimes that do not know it ignore it, as the
// runtime spec says of annotations.
const LoopbackAnnotation = "io.github.hullrt.loopback"

// Up sets the interface name up.
func Up(name string) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return fmt.Errorf("setting %s up: %w", name, err)
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
