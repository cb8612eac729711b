package network

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hullrt/hull/internal/errdefs"
)

// Remove deletes a network with no container on it: its rules, its bridge,
// its address allocations and its record. The default network cannot be
// removed.
func (s *Store) Remove(ref string) error {
	n, err := s.Get(ref)
	if err != nil {
		return err
	}
	if n.Default() {
		return fmt.Errorf("%s is a pre-defined network and cannot be removed: %w", n.Name, errdefs.ErrConflict)
	}
	unlockHost, err := s.lockHost()
	if err != nil {
		return err
	}
	defer unlockHost()
	unlockStore, err := s.lockStore()
	if err != nil {
		return err
	}
	defer unlockStore()
	unlock, err := s.lockNetwork(n.ID)
	if err != nil {
		return err
	}
	defer unlock()
	eps, err := s.networkEndpoints(n.ID)
	if err != nil {
		return err
	}
	if len(eps) > 0 {
		var names []string
		for _, ep := range eps {
			names = append(names, ep.ContainerName)
		}
		return fmt.Errorf("error while removing network: network %s has active endpoints (%s): %w", n.Name, strings.Join(names, ", "), errdefs.ErrConflict)
	}
	if err := s.tearDown(n); err != nil {
		return err
	}
	os.RemoveAll(filepath.Join(s.ipamDir(), n.Name))
	if err := os.RemoveAll(s.dir(n.ID)); err != nil {
		return fmt.Errorf("removing network %s: %w", n.Name, err)
	}
	os.Remove(filepath.Join(s.root, n.ID+".lock"))
	return nil
}

// Prune removes every user network without containers that match holds
// for, and returns their names. It also takes down the host side of the
// default network (its bridge and rules, not the network) when no
// container is attached to it: the next container brings it up again, and
// a root about to be deleted leaves nothing on the host.
func (s *Store) Prune(match func(*Network) bool) ([]string, error) {
	ns, err := s.List()
	if err != nil {
		return nil, err
	}
	var gone []string
	for _, n := range ns {
		if n.Default() {
			if err := s.takeDownIdle(n); err != nil {
				return gone, err
			}
			continue
		}
		if match != nil && !match(n) {
			continue
		}
		if eps, _ := s.networkEndpoints(n.ID); len(eps) > 0 {
			continue
		}
		if err := s.Remove(n.ID); err == nil {
			gone = append(gone, n.Name)
		}
	}
	return gone, nil
}

// takeDownIdle takes the network's host side down if it is up and no
// container is attached to it.
func (s *Store) takeDownIdle(n *Network) error {
	if _, err := os.Stat(s.upMark(n.ID)); err != nil && !bridgeExists(n.Bridge) {
		return nil
	}
	unlockHost, err := s.lockHost()
	if err != nil {
		return err
	}
	defer unlockHost()
	unlock, err := s.lockNetwork(n.ID)
	if err != nil {
		return err
	}
	defer unlock()
	if s.anyAttached(n.ID) {
		return nil
	}
	return s.tearDown(n)
}
