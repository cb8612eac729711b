// Package network gives containers their networks: Docker's bridge
// networks, built from CNI's standard plugins (bridge with host-local
// IPAM, and portmap for published ports) through libcni, the convention
// containerd, nerdctl and Kubernetes share.
//
// # Lifecycle
//
// A network is a record until a container attaches to it; a container's
// membership (an endpoint) is a record until the container starts:
//
//	n, err := store.Create(network.CreateOptions{Name: "app"}) // or store.Default()
//	ep, err := store.Connect("app", network.Endpoint{ContainerID: id, ...}) // at create, or `network connect`
//	netns, err := store.Attach(ctx, id) // at start: the namespace, an interface per endpoint
//	... the runtime joins netns; restarts reuse it as it is ...
//	err = store.Detach(ctx, id)  // undoes Attach; idempotent, works after any crash
//	err = store.Release(ctx, id) // Detach and forget the endpoints: container removal
//	err = store.Remove("app")    // refused while any endpoint remains
//
// Each container has one persistent network namespace, made by Attach
// and bind-mounted at EXECROOT/netns/<id>; the OCI spec joins it by path.
// It outlives the container's processes, so a restart policy's restarts
// keep the addresses, and it is removed by Detach only. The engine
// detaches a container once it has stopped for good (its monitor runs
// `hull network release`), so a stopped container holds no address and
// no host port, as in Docker; its next start attaches it anew.
//
// # Host side
//
// A network's host side is its bridge (hull0 for the system's default
// network, hull<8 hex of the root> for another root's, hull-<id prefix>
// for the others), with the gateway address and so the subnet's route,
// and its iptables rules in hull's own chains (see firewall.go):
// masquerading of traffic that leaves the network, isolation from every
// other hull network, and for an internal network no forwarding at all
// (nor a default route in its containers). The first attach since boot
// brings it up and registers it in HostDir (/run/hull-networks, shared by
// every root on the host); `network rm` takes it down; and every bring-up
// first takes down the registered host sides whose network record is
// gone, so a root deleted without hull (a test's) leaves nothing for long.
// The rules are per network, so attaching a container adds none; portmap
// adds the DNAT rules of a container's published ports (-p), with SNAT and
// route_localnet so that 127.0.0.1:PORT reaches the container too.
//
// Subnets: the default network "bridge" and every network created without
// --subnet take the first /16 from 172.29.0.0 down to 172.20.0.0 that
// overlaps neither another hull network nor a route of the host. That is
// the top of Docker's pool, which Docker allocates from the bottom
// (172.17, 172.18, ...), so the two rarely meet on one host; a --subnet
// that overlaps is refused in one line naming what it overlaps. The check
// is made again when the host side comes up, under a host-wide lock (the
// route appears only then): a pool network with no container moves to a
// free subnet if something took its own meanwhile.
//
// # Name resolution
//
// hull has no daemon, so no embedded DNS server: names resolve through a
// managed /etc/hosts. Each container's hosts file (written by the engine,
// bind-mounted into the container) ends with a part this package owns,
// after the line "# hull: containers on the same networks": one line per
// other container attached to any user network it is on, with its
// address, name, aliases (--network-alias) and short id. When a container
// attaches or detaches, the hosts files of every container on that network
// are rewritten in place, under an flock on the file (a rename would not
// reach a running container, which holds the old inode through its bind
// mount). The default network resolves no names, as Docker's.
//
// # Layout
//
//	ROOT/networks/<id>/network.json          the network's record
//	ROOT/networks/<id>/endpoints/<cid>.json  one container's endpoint
//	ROOT/networks/<id>.lock                  flock: that network's endpoints
//	ROOT/networks/lock                       flock: create, remove, prune
//	ROOT/networks/ports.lock                 flock: choosing host ports
//	ROOT/networks/ipam/<name>/               host-local's allocations
//	ROOT/networks/cache/                     libcni's cache of results
//	EXECROOT/netns/<cid>                     a container's namespace
//	/run/hull-networks/<id>.json             a network whose host side is up
//	/run/hull-networks/lock                  flock: host sides, of every root
//
// Locks are taken in the order host, store, network, ports.
//
// # Crashes
//
// An endpoint is marked attached, with the exact configuration, before
// CNI's ADD runs, and unmarked only after DEL succeeded. So after a kill -9
// anywhere, Detach runs DEL for whatever might exist: host-local frees the
// address and portmap deletes the container's chains by its id; the veth
// dies with the namespace, which Detach unmounts (a kernel worker then
// frees it, sparing hull the tens of milliseconds a veth's deletion
// costs). DEL of what is already gone succeeds, so Detach can always be
// repeated.
package network
