package network

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	types100 "github.com/containernetworking/cni/pkg/types/100"

	"github.com/hullrt/hull/internal/errdefs"
)

// Attach gives the container its network namespace (made on first use,
// kept across restarts) and an interface on each network it is connected
// to that has none yet. It returns the namespace's path, for the spec to
// join. On failure the caller runs Detach, which undoes what was done.
func (s *Store) Attach(ctx context.Context, containerID string) (string, error) {
	if err := s.checkPlugins(); err != nil {
		return "", err
	}
	netns := s.NetnsPath(containerID)
	eps, err := s.Endpoints(containerID)
	if err != nil {
		return "", err
	}
	if !isNetns(netns) {
		// The namespace is gone (a reboot emptied the exec root): what the
		// records still hold is stale, release it first.
		for _, ep := range eps {
			if ep.Attached {
				if err := s.detachOne(ctx, ep.NetworkID, containerID, false); err != nil {
					return "", err
				}
			}
		}
		if eps, err = s.Endpoints(containerID); err != nil {
			return "", err
		}
	}
	if _, err := createNetns(netns); err != nil {
		return "", err
	}
	for _, ep := range eps {
		if !ep.Attached || !ep.IP.IsValid() {
			if err := s.attachOne(ctx, ep.NetworkID, containerID, netns); err != nil {
				return "", err
			}
		}
	}
	return netns, nil
}

// checkPlugins says in one line what to install when CNI's bridge plugin
// is missing, rather than libcni's "failed to find plugin".
func (s *Store) checkPlugins() error {
	for _, dir := range s.plugins {
		if _, err := os.Stat(filepath.Join(dir, "bridge")); err == nil {
			return nil
		}
	}
	return fmt.Errorf("networking needs CNI's plugins in %s (apt-get install containernetworking-plugins), or run with --network none: %w",
		strings.Join(s.plugins, ":"), errdefs.ErrUnavailable)
}

// AttachOne attaches a running container to one more network, for
// `network connect`; netns is the namespace Attach returned.
func (s *Store) AttachOne(ctx context.Context, ref, containerID, netns string) error {
	n, err := s.Get(ref)
	if err != nil {
		return err
	}
	return s.attachOne(ctx, n.ID, containerID, netns)
}

// attachOne runs CNI's ADD for one endpoint, under the network's lock,
// once the network's host side is up.
func (s *Store) attachOne(ctx context.Context, netID, containerID, netns string) error {
	for {
		unlockHost := func() {}
		n, err := s.read(netID)
		if err != nil {
			return fmt.Errorf("network %s not found: %w", netID, errdefs.ErrNotFound)
		}
		if !s.isUp(n) {
			if unlockHost, err = s.bringUp(netID); err != nil {
				return err
			}
		}
		done, err := s.attachLocked(ctx, netID, containerID, netns)
		unlockHost()
		if done || err != nil {
			return err
		}
	}
}

// attachLocked is attachOne's part after the host side is up. It reports
// done=false, having done nothing, when the network's host side went down
// meanwhile (a prune or an rm of the network in another process).
//
// The network's lock is held to check and mark the endpoint, not during
// CNI's ADD, so that containers attach to one network in parallel
// (host-local has a lock of its own for addresses). The mark, written
// before ADD, is what keeps the host side up and makes a crash's leftovers
// Detach's to clean.
func (s *Store) attachLocked(ctx context.Context, netID, containerID, netns string) (done bool, err error) {
	n, ep, err := s.markAttached(ctx, netID, containerID)
	if n == nil || err != nil {
		return false, err
	}
	if err := s.add(ctx, n, ep, netns); err != nil {
		return false, fmt.Errorf("attaching to network %s: %w", n.Name, err)
	}
	unlock, err := s.lockNetwork(netID)
	if err != nil {
		return false, err
	}
	cur, err := s.readEndpoint(netID, containerID)
	if err == nil {
		cur.IP, cur.Gateway, cur.MacAddress = ep.IP, ep.Gateway, ep.MacAddress
		err = s.writeEndpoint(cur)
	}
	unlock()
	if err != nil {
		return false, err
	}
	if !n.Default() {
		s.refreshNetworkHosts(netID)
	}
	return true, nil
}

// markAttached checks, under the network's lock, that the host side is up
// and the container connected, chooses its host ports, and records the
// endpoint as attached with the configuration ADD will run. A nil network
// and no error mean the host side went down meanwhile.
func (s *Store) markAttached(ctx context.Context, netID, containerID string) (*Network, *Endpoint, error) {
	unlock, err := s.lockNetwork(netID)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	n, err := s.read(netID)
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(s.upMark(n.ID)); err != nil {
		return nil, nil, nil
	}
	ep, err := s.readEndpoint(netID, containerID)
	if err != nil {
		return nil, nil, fmt.Errorf("container %s is not connected to network %s: %w", containerID, n.Name, errdefs.ErrNotFound)
	}
	if ep.Attached {
		// An ADD that was interrupted: clear it before trying again.
		if err := s.del(ctx, ep, true); err != nil {
			return nil, nil, err
		}
	}
	unlockPorts, err := s.reservePorts(ep)
	if err != nil {
		return nil, nil, err
	}
	defer unlockPorts()
	if ep.Conflist, err = s.conflist(n, len(ep.Ports) > 0); err != nil {
		return nil, nil, err
	}
	ep.Attached = true
	if err := s.writeEndpoint(ep); err != nil {
		return nil, nil, err
	}
	return n, ep, nil
}

// add runs CNI's ADD and fills the endpoint's address from its result.
func (s *Store) add(ctx context.Context, n *Network, ep *Endpoint, netns string) error {
	list, err := libcni.NetworkConfFromBytes(ep.Conflist)
	if err != nil {
		return err
	}
	res, err := s.cni().AddNetworkList(ctx, list, runtimeConf(ep, netns))
	if err != nil {
		return err
	}
	r, err := types100.NewResultFromResult(res)
	if err != nil {
		return err
	}
	for _, ipc := range r.IPs {
		a, ok := netip.AddrFromSlice(ipc.Address.IP.To4())
		if !ok {
			continue
		}
		bits, _ := ipc.Address.Mask.Size()
		ep.IP = netip.PrefixFrom(a, bits)
		ep.Gateway, _ = netip.AddrFromSlice(ipc.Gateway.To4())
		if ipc.Interface != nil && *ipc.Interface < len(r.Interfaces) {
			ep.MacAddress = r.Interfaces[*ipc.Interface].Mac
		}
		break
	}
	if !ep.IP.IsValid() {
		return fmt.Errorf("CNI gave no IPv4 address on network %s", n.Name)
	}
	return nil
}

func (s *Store) cni() *libcni.CNIConfig {
	return libcni.NewCNIConfigWithCacheDir(s.plugins, s.cacheDir(), nil)
}

// runtimeConf is what CNI is told of the container for both ADD and DEL.
func runtimeConf(ep *Endpoint, netns string) *libcni.RuntimeConf {
	rt := &libcni.RuntimeConf{ContainerID: ep.ContainerID, NetNS: netns, IfName: ep.IfName, CapabilityArgs: map[string]any{}}
	if ep.RequestedIP.IsValid() {
		rt.CapabilityArgs["ips"] = []string{ep.RequestedIP.String()}
	}
	if len(ep.Ports) > 0 {
		var pm []map[string]any
		for _, p := range ep.Ports {
			m := map[string]any{"hostPort": p.HostPort, "containerPort": p.ContainerPort, "protocol": p.Protocol}
			if p.HostIP.IsValid() && !p.HostIP.IsUnspecified() {
				m["hostIP"] = p.HostIP.String()
			}
			pm = append(pm, m)
		}
		rt.CapabilityArgs["portMappings"] = pm
	}
	return rt
}

// Detach removes every interface the container has and its network
// namespace, and releases its addresses and port mappings; the records of
// its networks stay, for the next Attach. It is idempotent and works
// whatever was killed when: the namespace may be gone already (CNI's DEL
// then only releases the address and the port rules), an ADD may have been
// interrupted half way.
//
// Preconditions: no process of the container is left in its namespace (it
// never started, has exited or was killed). The interfaces are left to die
// with the namespace; a process still in it would keep one, with an
// address that is free again.
func (s *Store) Detach(ctx context.Context, containerID string) error {
	eps, err := s.Endpoints(containerID)
	if err != nil {
		return err
	}
	var errs []error
	for _, ep := range eps {
		if ep.Attached {
			errs = append(errs, s.detachOne(ctx, ep.NetworkID, containerID, false))
		}
	}
	errs = append(errs, removeNetns(s.NetnsPath(containerID)))
	return errors.Join(errs...)
}

// detachOne runs CNI's DEL for one endpoint, under the network's lock;
// inNetns as for del.
func (s *Store) detachOne(ctx context.Context, netID, containerID string, inNetns bool) error {
	unlock, err := s.lockNetwork(netID)
	if err != nil {
		return err
	}
	ep, err := s.readEndpoint(netID, containerID)
	if err != nil || !ep.Attached {
		unlock()
		return nil
	}
	err = s.del(ctx, ep, inNetns)
	unlock()
	if err != nil {
		return err
	}
	if n, err := s.read(netID); err == nil && !n.Default() {
		s.refreshNetworkHosts(netID)
	}
	return nil
}

// del runs CNI's DEL with the configuration ADD had and clears the
// endpoint's address. With inNetns the interface is deleted in the
// namespace, which goes on living; without, the plugins release only what
// lives outside it (the address, the port rules) and the interface dies
// with the namespace, which the caller is about to remove: deleting a veth
// by hand costs tens of milliseconds of RCU grace periods in the kernel,
// while a dying namespace's are paid by a kernel worker, not by hull. The
// caller holds the network's lock.
func (s *Store) del(ctx context.Context, ep *Endpoint, inNetns bool) error {
	if len(ep.Conflist) > 0 {
		list, err := libcni.NetworkConfFromBytes(ep.Conflist)
		if err != nil {
			return err
		}
		netns := s.NetnsPath(ep.ContainerID)
		if !inNetns || !isNetns(netns) {
			netns = ""
		}
		if err := s.cni().DelNetworkList(ctx, list, runtimeConf(ep, netns)); err != nil {
			return fmt.Errorf("detaching %s from network %s: %w", ep.ContainerName, ep.NetworkName, err)
		}
	}
	ep.Attached, ep.Conflist, ep.IP, ep.Gateway, ep.MacAddress = false, nil, netip.Prefix{}, netip.Addr{}, ""
	for i := range ep.Ports {
		if ep.Ports[i].Random {
			ep.Ports[i].HostPort = 0
		}
	}
	return s.writeEndpoint(ep)
}

// Disconnect takes the container off the network: its interface there if
// it has one, and the record.
func (s *Store) Disconnect(ctx context.Context, ref, containerID string) error {
	n, err := s.Get(ref)
	if err != nil {
		return err
	}
	if _, err := s.readEndpoint(n.ID, containerID); err != nil {
		return fmt.Errorf("container %s is not connected to network %s: %w", containerID, n.Name, errdefs.ErrNotFound)
	}
	if err := s.detachOne(ctx, n.ID, containerID, true); err != nil {
		return err
	}
	return s.forget(n, containerID)
}

func (s *Store) forget(n *Network, containerID string) error {
	unlock, err := s.lockNetwork(n.ID)
	if err != nil {
		return err
	}
	defer unlock()
	if err := os.Remove(s.endpointPath(n.ID, containerID)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Release is Detach followed by the removal of the container's endpoint
// records: what removing the container does.
func (s *Store) Release(ctx context.Context, containerID string) error {
	if err := s.Detach(ctx, containerID); err != nil {
		return err
	}
	eps, err := s.Endpoints(containerID)
	if err != nil {
		return err
	}
	var errs []error
	for _, ep := range eps {
		if n, err := s.read(ep.NetworkID); err == nil {
			errs = append(errs, s.forget(n, containerID))
		}
	}
	return errors.Join(errs...)
}
