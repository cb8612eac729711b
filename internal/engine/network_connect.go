package engine

import (
	"context"
	"fmt"
	"path/filepath"

	mobynet "github.com/moby/moby/api/types/network"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/network"
)

// NetworkConnect connects a container to one more network. A running
// container gets its interface there at once, and its peers' hosts files
// (and its own) name each other; a stopped one gets it at its next start.
func (e *Engine) NetworkConnect(ctx context.Context, netRef, ref string, settings *mobynet.EndpointSettings) error {
	c, unlock, err := e.lockedContainer(ref)
	if err != nil {
		return err
	}
	defer unlock()
	if !networked(c.HostConfig) {
		return fmt.Errorf("container %s uses network mode %s: it cannot be connected to a network: %w", c.Name, c.HostConfig.NetworkMode, errdefs.ErrInvalidArgument)
	}
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	n, err := ns.Get(netRef)
	if err != nil {
		return err
	}
	if _, err := ns.Connect(n.ID, e.endpoint(c, settings)); err != nil {
		return err
	}
	if st := e.status(c); !st.Running {
		return nil
	}
	if err := ns.AttachOne(ctx, n.ID, c.ID, ns.NetnsPath(c.ID)); err != nil {
		ns.Disconnect(context.WithoutCancel(ctx), n.ID, c.ID)
		return err
	}
	e.refreshOwnHosts(ns, c)
	return nil
}

// NetworkDisconnect takes a container off a network; its interface there
// goes at once if it is running.
func (e *Engine) NetworkDisconnect(ctx context.Context, netRef, ref string, force bool) error {
	c, unlock, err := e.lockedContainer(ref)
	if err != nil {
		return err
	}
	defer unlock()
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	if err := ns.Disconnect(ctx, netRef, c.ID); err != nil {
		return err
	}
	e.refreshOwnHosts(ns, c)
	return nil
}

// refreshOwnHosts rewrites the container's /etc/hosts after its networks
// changed: its own addresses (the engine's part) and its peers.
func (e *Engine) refreshOwnHosts(ns *network.Store, c *Container) {
	if userMounted(c, "/etc/hosts") {
		return
	}
	path := filepath.Join(e.dir(c.ID), "hosts")
	if err := rewriteInPlace(path, []byte(e.hostsFile(c, ns))); err == nil {
		ns.RefreshHosts(c.ID, path)
	}
}

// ReleaseNetworks detaches a container that is not running from its
// networks: its namespace, addresses and host ports go, its memberships
// stay for its next start. The monitor runs it (`hull network release`)
// when the container has stopped for good. A container running again by
// then (a quick restart) is left alone.
func (e *Engine) ReleaseNetworks(ctx context.Context, ref string) error {
	c, unlock, err := e.lockedContainer(ref)
	if err != nil {
		return err
	}
	defer unlock()
	if st := e.status(c); st.Running || st.Restarting || st.Paused {
		return nil
	}
	if !networked(c.HostConfig) {
		return nil
	}
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	return ns.Detach(ctx, c.ID)
}

// renameNetworks carries a rename to the container's endpoints, so that
// peers find it by its new name. Rename calls it once the record is saved.
func (e *Engine) renameNetworks(c *Container) error {
	if !networked(c.HostConfig) {
		return nil
	}
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	return ns.Rename(c.ID, c.Name)
}
