package network

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// DefaultName is the network a container joins when it asks for none in
// particular ("bridge" or "default"), as Docker's docker0.
const DefaultName = "bridge"

// DefaultPluginDir is where Debian's containernetworking-plugins puts the
// CNI plugins.
const DefaultPluginDir = "/usr/lib/cni"

// Network is one network's record (network.json), in the terms of Docker's
// network.Network plus the bridge device that carries it.
type Network struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Created  time.Time         `json:"created"`
	Driver   string            `json:"driver"`
	Subnet   netip.Prefix      `json:"subnet"`
	Gateway  netip.Addr        `json:"gateway"`
	IPRange  netip.Prefix      `json:"ipRange,omitzero"`
	Internal bool              `json:"internal,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Options  map[string]string `json:"options,omitempty"`
	// Bridge is the Linux bridge: hull0 for the system's default network
	// (hull<8 hex of the root> for another root's), hull-<first 10 of the
	// id> for the others, unless -o com.docker.network.bridge.name says.
	Bridge string `json:"bridge"`
	// AutoSubnet is set when the subnet came from the pool: such a network
	// may move to another subnet of the pool while no container is on it,
	// when something else took its subnet meanwhile.
	AutoSubnet bool `json:"autoSubnet,omitempty"`
}

// Default reports whether n is the default bridge network, which has no
// name resolution (as Docker's) and cannot be removed.
func (n *Network) Default() bool { return n.Name == DefaultName }

// Store keeps the networks under one root and attaches containers to them.
// It holds nothing in memory that another process could change, so any
// number of Stores in any number of processes may share a root.
type Store struct {
	root     string // ROOT/networks
	execRoot string // EXECROOT: network namespaces and what a boot clears
	plugins  []string
	system   bool
}

// Options say where a Store lives.
type Options struct {
	// Root holds the network records, endpoints, IPAM data and the CNI
	// result cache (ROOT/networks).
	Root string
	// ExecRoot holds the network namespaces and the marks of what was set
	// up since boot (a tmpfs: EXECROOT/netns, EXECROOT/networks).
	ExecRoot string
	// PluginDirs are searched for the CNI plugins; default DefaultPluginDir.
	PluginDirs []string
	// System is set for the system's engine (the default root), whose
	// default network's bridge is hull0. Any other root (a --root of its
	// own, as tests use) names its default bridge after the root, so that
	// roots never share a bridge.
	System bool
}

// Open returns the store, creating its directories if needed.
func Open(o Options) (*Store, error) {
	s := &Store{root: o.Root, execRoot: o.ExecRoot, plugins: o.PluginDirs, system: o.System}
	if len(s.plugins) == 0 {
		s.plugins = []string{DefaultPluginDir}
	}
	if err := os.MkdirAll(s.root, 0o700); err != nil {
		return nil, fmt.Errorf("opening network store: %w", err)
	}
	return s, nil
}

func (s *Store) dir(id string) string    { return filepath.Join(s.root, id) }
func (s *Store) ipamDir() string         { return filepath.Join(s.root, "ipam") }
func (s *Store) cacheDir() string        { return filepath.Join(s.root, "cache") }
func (s *Store) netnsDir() string        { return filepath.Join(s.execRoot, "netns") }
func (s *Store) upMark(id string) string { return filepath.Join(HostDir, id+".json") }
func (s *Store) endpointsDir(id string) string {
	return filepath.Join(s.dir(id), "endpoints")
}

// NetnsPath is where the container's network namespace is bind-mounted
// while it exists.
func (s *Store) NetnsPath(containerID string) string {
	return filepath.Join(s.netnsDir(), containerID)
}

// validName is Docker's rule for network names, which CNI's rule for
// network names also accepts.
var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

var validID = regexp.MustCompile(`^[0-9a-f]{64}$`)

func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// List returns every network, the default one first, then by name.
func (s *Store) List() ([]*Network, error) {
	ents, err := os.ReadDir(s.root)
	if err != nil {
		return nil, fmt.Errorf("listing networks: %w", err)
	}
	var ns []*Network
	for _, de := range ents {
		if !validID.MatchString(de.Name()) {
			continue
		}
		n, err := s.read(de.Name())
		if err != nil {
			continue // being created or removed by another process
		}
		ns = append(ns, n)
	}
	slices.SortFunc(ns, func(a, b *Network) int {
		if a.Default() != b.Default() {
			if a.Default() {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return ns, nil
}

// Get finds a network by its name, its ID or a unique prefix of the ID, as
// Docker does.
func (s *Store) Get(ref string) (*Network, error) {
	ns, err := s.List()
	if err != nil {
		return nil, err
	}
	var byPrefix []*Network
	for _, n := range ns {
		if n.Name == ref || n.ID == ref {
			return n, nil
		}
		if ref != "" && strings.HasPrefix(n.ID, ref) {
			byPrefix = append(byPrefix, n)
		}
	}
	switch len(byPrefix) {
	case 1:
		return byPrefix[0], nil
	case 0:
		return nil, fmt.Errorf("network %s not found: %w", ref, errdefs.ErrNotFound)
	}
	return nil, fmt.Errorf("network %s is ambiguous (%d matches found on name or ID prefix): %w", ref, len(byPrefix), errdefs.ErrInvalidArgument)
}

func (s *Store) read(id string) (*Network, error) {
	b, err := os.ReadFile(filepath.Join(s.dir(id), "network.json"))
	if err != nil {
		return nil, err
	}
	n := &Network{}
	if err := json.Unmarshal(b, n); err != nil {
		return nil, fmt.Errorf("reading network %s: %w", id, err)
	}
	return n, nil
}

// writeJSON writes v to path atomically: readers see the old or the new
// file, never half of one.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// lockFile takes an exclusive flock on path (created if needed) and
// returns its release. flock belongs to the open file, so the kernel drops
// it when a process dies: a kill -9 never leaves a network locked.
func lockFile(path string) (func(), error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	for {
		err = unix.Flock(fd, unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() { unix.Close(fd) }, nil
}

// HostDir is the host-wide, boot-scoped directory (a tmpfs) where every
// hull process, whatever its root, registers the networks it brought up
// on the host and takes the host lock. Tests may point it elsewhere.
var HostDir = "/run/hull-networks"

// lockHost takes the lock every hull process on the host shares while it
// changes the host's side of a network (its bridge, route and rules): two
// roots must not bring up the same subnet at once. Locks are always taken
// in the order host, store, network.
func (s *Store) lockHost() (func(), error) {
	if err := os.MkdirAll(HostDir, 0o700); err != nil {
		return nil, err
	}
	return lockFile(filepath.Join(HostDir, "lock"))
}

// lockStore serializes what changes the set of networks: create, remove,
// prune. Subnets are checked for overlap under it.
func (s *Store) lockStore() (func(), error) { return lockFile(filepath.Join(s.root, "lock")) }

// lockNetwork serializes the changes of one network's endpoints. It fails
// with not found when the network was removed meanwhile.
func (s *Store) lockNetwork(id string) (func(), error) {
	unlock, err := lockFile(filepath.Join(s.root, id+".lock"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(s.dir(id), "network.json")); errors.Is(err, os.ErrNotExist) {
		unlock()
		return nil, fmt.Errorf("network %s not found: %w", id, errdefs.ErrNotFound)
	}
	return unlock, nil
}
