package network

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/coreos/go-iptables/iptables"
)

// hull's own iptables chains. CNI's bridge plugin neither isolates one
// bridge from another nor keeps an internal network in, so hull does, in
// chains of its own that it alone changes:
//
//	filter FORWARD           -j HULL-FORWARD (first rule)
//	filter HULL-FORWARD      -j HULL-ISOLATION-1, then per network:
//	                         -i BR -j ACCEPT, -o BR -j ACCEPT
//	filter HULL-ISOLATION-1  per network: -i BR ! -o BR -j HULL-ISOLATION-2
//	                         (internal: -i BR ! -o BR -j DROP, -o BR ! -i BR -j DROP)
//	filter HULL-ISOLATION-2  per network: -o BR -j DROP
//	nat POSTROUTING          -j HULL-POSTROUTING
//	nat HULL-POSTROUTING     per routed network: -s SUBNET ! -o BR -j MASQUERADE
//
// So traffic leaving a bridge for another hull bridge is dropped, traffic
// leaving it for anything else is masqueraded, and an internal bridge
// forwards nothing. These rules are per network, not per container: a
// container's attach adds no rule of hull's (portmap adds its own for -p).
// The chains and jumps are made once per boot (marked in HostDir) and
// shared by every root; a network's rules come and go with its host side
// (hostside.go).
const (
	chainForward    = "HULL-FORWARD"
	chainIsolation1 = "HULL-ISOLATION-1"
	chainIsolation2 = "HULL-ISOLATION-2"
	chainPost       = "HULL-POSTROUTING"
)

type rule struct {
	table, chain string
	spec         []string
}

// baseRules are the jumps into hull's chains, made once per boot.
func baseRules() []rule {
	return []rule{
		{"filter", chainForward, []string{"-j", chainIsolation1}},
		{"filter", "FORWARD", []string{"-j", chainForward}},
		{"nat", "POSTROUTING", []string{"-j", chainPost}},
	}
}

// networkRules are one network's rules, in the order they are added.
func networkRules(n *Network) []rule {
	br := n.Bridge
	rs := []rule{}
	if n.Internal {
		rs = append(rs,
			rule{"filter", chainIsolation1, []string{"-i", br, "!", "-o", br, "-j", "DROP"}},
			rule{"filter", chainIsolation1, []string{"-o", br, "!", "-i", br, "-j", "DROP"}})
	} else {
		rs = append(rs,
			rule{"filter", chainIsolation1, []string{"-i", br, "!", "-o", br, "-j", chainIsolation2}},
			rule{"nat", chainPost, []string{"-s", n.Subnet.String(), "!", "-o", br, "-j", "MASQUERADE"}})
	}
	return append(rs,
		rule{"filter", chainIsolation2, []string{"-o", br, "-j", "DROP"}},
		rule{"filter", chainForward, []string{"-i", br, "-j", "ACCEPT"}},
		rule{"filter", chainForward, []string{"-o", br, "-j", "ACCEPT"}})
}

// addRules adds the network's rules (and hull's chains, once per boot).
// The caller holds the host lock.
func (s *Store) addRules(n *Network) error {
	ipt, err := iptables.New()
	if err != nil {
		return fmt.Errorf("setting up network %s needs iptables (apt-get install iptables): %w", n.Name, err)
	}
	if err := s.setUpBase(ipt); err != nil {
		return fmt.Errorf("setting up hull's iptables chains: %w", err)
	}
	for _, r := range networkRules(n) {
		if err := ipt.AppendUnique(r.table, r.chain, r.spec...); err != nil {
			return fmt.Errorf("setting up network %s: %w", n.Name, err)
		}
	}
	return nil
}

// setUpBase makes hull's chains and the jumps into them, once per boot.
// The caller holds the firewall lock.
func (s *Store) setUpBase(ipt *iptables.IPTables) error {
	mark := filepath.Join(HostDir, "base.up")
	if _, err := os.Stat(mark); err == nil {
		return nil
	}
	for _, c := range []rule{{"filter", chainForward, nil}, {"filter", chainIsolation1, nil}, {"filter", chainIsolation2, nil}, {"nat", chainPost, nil}} {
		ok, err := ipt.ChainExists(c.table, c.chain)
		if err != nil {
			return err
		}
		if !ok {
			if err := ipt.NewChain(c.table, c.chain); err != nil {
				return err
			}
		}
	}
	for _, r := range baseRules() {
		ok, err := ipt.Exists(r.table, r.chain, r.spec...)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		if r.chain == "FORWARD" || r.chain == "POSTROUTING" {
			err = ipt.Insert(r.table, r.chain, 1, r.spec...)
		} else {
			err = ipt.Append(r.table, r.chain, r.spec...)
		}
		if err != nil {
			return err
		}
	}
	return os.WriteFile(mark, nil, 0o600)
}

// tearDown removes the network's rules and its bridge. The caller holds
// the host lock and the network's, and no container is attached to it.
func (s *Store) tearDown(n *Network) error {
	os.Remove(s.upMark(n.ID))
	ipt, err := iptables.New()
	if err != nil {
		return fmt.Errorf("removing network %s: %w", n.Name, err)
	}
	var errs []error
	for _, r := range networkRules(n) {
		if err := ipt.DeleteIfExists(r.table, r.chain, r.spec...); err != nil {
			errs = append(errs, err)
		}
	}
	if bridgeExists(n.Bridge) {
		if out, err := exec.Command("ip", "link", "delete", n.Bridge).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("deleting bridge %s: %v: %s", n.Bridge, err, out))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing network %s: %w", n.Name, err)
	}
	return nil
}

func bridgeExists(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil
}
