package network

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// hostsMarker starts the part of a container's /etc/hosts that this
// package owns; the engine writes what comes before it.
const hostsMarker = "# hull: containers on the same networks\n"

// HostsSection is the managed part of the container's /etc/hosts: a line
// per peer on each user network the container is attached to (its
// address, name, aliases and short id). It is empty on the default bridge
// alone, which, as Docker's, resolves no names.
func (s *Store) HostsSection(containerID string) string {
	mine, err := s.Endpoints(containerID)
	if err != nil {
		return ""
	}
	var lines []string
	for _, ep := range mine {
		if !ep.IP.IsValid() || ep.NetworkName == DefaultName {
			continue
		}
		peers, err := s.networkEndpoints(ep.NetworkID)
		if err != nil {
			continue
		}
		for _, p := range peers {
			if p.ContainerID == containerID || !p.IP.IsValid() {
				continue
			}
			names := append([]string{p.ContainerName}, p.Aliases...)
			if p.Hostname != "" && p.Hostname != p.ContainerName {
				names = append(names, p.Hostname)
			}
			names = append(names, p.ShortID())
			lines = append(lines, p.IP.Addr().String()+"\t"+strings.Join(slices.Compact(names), " "))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return hostsMarker + strings.Join(lines, "\n") + "\n"
}

// RefreshHosts rewrites the managed part of the container's /etc/hosts.
// The file is bind-mounted into a container that may be running, so it is
// rewritten in place (a rename would leave the container the old inode),
// under an flock on the file so that two writers do not interleave.
func (s *Store) RefreshHosts(containerID, path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	old := make([]byte, st.Size())
	if _, err := f.ReadAt(old, 0); err != nil && st.Size() > 0 {
		return err
	}
	base := old
	if i := bytes.Index(old, []byte(hostsMarker)); i >= 0 {
		base = old[:i]
	}
	want := append(bytes.Clone(base), s.HostsSection(containerID)...)
	if bytes.Equal(want, old) {
		return nil
	}
	if _, err := f.WriteAt(want, 0); err != nil {
		return fmt.Errorf("rewriting %s: %w", path, err)
	}
	return f.Truncate(int64(len(want)))
}

// refreshNetworkHosts rewrites the hosts file of every container on the
// network. A file that cannot be rewritten (a container removed meanwhile)
// is skipped: names are a convenience, not a reason to fail an attach.
func (s *Store) refreshNetworkHosts(netID string) {
	eps, err := s.networkEndpoints(netID)
	if err != nil {
		return
	}
	for _, ep := range eps {
		if ep.HostsPath != "" {
			s.RefreshHosts(ep.ContainerID, ep.HostsPath)
		}
	}
}
