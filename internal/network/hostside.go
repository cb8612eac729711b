package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hullrt/hull/internal/errdefs"
)

// The host's side of a network is its bridge (with the gateway address and
// so the subnet's route) and its iptables rules. The first attach brings
// it up and registers it in HostDir; `network rm` takes it down. So that a
// root deleted without hull (a test's temporary root) leaves nothing on
// the host for long, every bring-up first collects the host sides whose
// network no longer exists.

// hostEntry is HostDir/<network id>.json: what brought a network up, and
// so what to take down.
type hostEntry struct {
	Root    string   `json:"root"` // the store's root
	Network *Network `json:"network"`
}

// isUp reports whether the network's host side is up: registered since
// boot and its bridge there. Two stats, on every attach.
func (s *Store) isUp(n *Network) bool {
	if _, err := os.Stat(s.upMark(n.ID)); err != nil {
		return false
	}
	return bridgeExists(n.Bridge)
}

// bringUp makes the network's host side ready for an attach: a subnet that
// no route of the host uses (a pool network moves to a free one if its
// own was taken meanwhile, by another root for instance), and the rules.
// It returns holding the host lock, which the caller keeps until its ADD
// has made the bridge and so the route, so that no other root brings up
// the same subnet at the same time.
func (s *Store) bringUp(netID string) (func(), error) {
	unlockHost, err := s.lockHost()
	if err != nil {
		return nil, err
	}
	n, err := s.read(netID)
	if err != nil {
		unlockHost()
		return nil, fmt.Errorf("network %s not found: %w", netID, errdefs.ErrNotFound)
	}
	if s.isUp(n) {
		return unlockHost, nil
	}
	collectOrphans()
	if !bridgeExists(n.Bridge) {
		if n, err = s.settleSubnet(n); err != nil {
			unlockHost()
			return nil, err
		}
	}
	if err := s.addRules(n); err != nil {
		unlockHost()
		return nil, err
	}
	if err := writeJSON(s.upMark(n.ID), hostEntry{Root: s.root, Network: n}); err != nil {
		unlockHost()
		return nil, err
	}
	return unlockHost, nil
}

// collectOrphans takes down the host side of every registered network
// whose record is gone (its root was deleted). The caller holds the host
// lock.
func collectOrphans() {
	ents, err := os.ReadDir(HostDir)
	if err != nil {
		return
	}
	for _, de := range ents {
		id, ok := strings.CutSuffix(de.Name(), ".json")
		if !ok || !validID.MatchString(id) {
			continue
		}
		path := filepath.Join(HostDir, de.Name())
		var e hostEntry
		b, err := os.ReadFile(path)
		if err != nil || json.Unmarshal(b, &e) != nil || e.Network == nil {
			os.Remove(path)
			continue
		}
		if _, err := os.Stat(filepath.Join(e.Root, id, "network.json")); !errors.Is(err, os.ErrNotExist) {
			continue
		}
		orphan := &Store{root: e.Root}
		orphan.tearDown(e.Network)
	}
}

// settleSubnet checks the network's subnet against the host's routes
// before its bridge comes up, and moves a pool network with no container
// attached to a free subnet. The caller holds the host lock.
func (s *Store) settleSubnet(n *Network) (*Network, error) {
	ours, err := s.List()
	if err != nil {
		return nil, err
	}
	err = checkRoutes(n.Subnet, ours)
	if err == nil || !n.AutoSubnet {
		return n, err
	}
	unlockStore, err := s.lockStore()
	if err != nil {
		return nil, err
	}
	defer unlockStore()
	unlock, err := s.lockNetwork(n.ID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if s.anyAttached(n.ID) {
		return n, checkRoutes(n.Subnet, ours)
	}
	var others []*Network
	for _, o := range ours {
		if o.ID != n.ID {
			others = append(others, o)
		}
	}
	if n.Subnet, err = freeSubnet(others); err != nil {
		return nil, err
	}
	n.Gateway = n.Subnet.Addr().Next()
	if err := writeJSON(filepath.Join(s.dir(n.ID), "network.json"), n); err != nil {
		return nil, err
	}
	// The old subnet's allocations belong to no one (nothing is attached).
	os.RemoveAll(filepath.Join(s.ipamDir(), n.Name))
	return n, nil
}

// anyAttached reports whether a container is attached to the network.
func (s *Store) anyAttached(netID string) bool {
	eps, _ := s.networkEndpoints(netID)
	for _, ep := range eps {
		if ep.Attached {
			return true
		}
	}
	return false
}
