package spec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// nsMode is one parsed namespace mode.
type nsMode struct {
	host bool   // share the host's
	path string // join this namespace file; "" for a new namespace
	pid  string // the /proc/<pid> directory of a "container:" mode, if given so
	own  bool   // path is the container's own namespace (NetworkNSPath)
}

// parseNSMode reads "", "host" or "container:<pid path>" (plus the extra
// words extra allows, which mean a new namespace) for namespace file nsFile
// ("net", "pid", ...). bad is the error for anything else.
func parseNSMode(mode, nsFile string, extra []string, bad error) (nsMode, error) {
	switch {
	case mode == "" || slices.Contains(extra, mode):
		return nsMode{}, nil
	case mode == "host":
		return nsMode{host: true}, nil
	case strings.HasPrefix(mode, "container:"):
		p := strings.TrimPrefix(mode, "container:")
		if !filepath.IsAbs(p) {
			return nsMode{}, bad
		}
		if strings.Contains(p, "/ns/") {
			return nsMode{path: p}, nil
		}
		return nsMode{path: filepath.Join(p, "ns", nsFile), pid: p}, nil
	}
	return nsMode{}, bad
}

// namespaces sets up Docker's namespaces (mount, network, uts, pid, ipc,
// and cgroup where Docker makes one) as the modes ask, and the hostname.
func (g *generator) namespaces() error {
	o := g.opts
	// Any network mode that is neither host nor container: gets a new
	// namespace: bridges and user networks attach to it later.
	var net, uts nsMode
	var err error
	if o.NetworkMode == "host" || strings.HasPrefix(o.NetworkMode, "container:") {
		net, err = parseNSMode(o.NetworkMode, "net", nil, invalid("invalid network mode: %s", o.NetworkMode))
		if err != nil {
			return err
		}
	} else if o.NetworkNSPath != "" {
		net = nsMode{path: o.NetworkNSPath, own: true}
	}
	pid, err := parseNSMode(o.PidMode, "pid", nil, invalid("--pid: invalid PID mode"))
	if err != nil {
		return err
	}
	ipc, err := parseNSMode(o.IpcMode, "ipc", []string{"none", "private", "shareable"}, invalid("invalid IPC mode: %s", o.IpcMode))
	if err != nil {
		return err
	}
	switch o.UTSMode {
	case "":
	case "host":
		uts.host = true
	default:
		return invalid("--uts: invalid UTS mode")
	}
	g.ipc = ipc
	cgroupNS, err := g.cgroupNS()
	if err != nil {
		return err
	}
	for _, ns := range []struct {
		typ  specs.LinuxNamespaceType
		mode nsMode
	}{
		{specs.MountNamespace, nsMode{}}, {specs.NetworkNamespace, net}, {specs.UTSNamespace, uts},
		{specs.PIDNamespace, pid}, {specs.IPCNamespace, ipc}, {specs.CgroupNamespace, cgroupNS},
	} {
		if !ns.mode.host {
			g.spec.Linux.Namespaces = append(g.spec.Linux.Namespaces, specs.LinuxNamespace{Type: ns.typ, Path: ns.mode.path})
		}
	}
	return g.setHostname(net, uts)
}

// cgroupNS reads CgroupnsMode; Docker's default depends on the host.
func (g *generator) cgroupNS() (nsMode, error) {
	switch g.opts.CgroupnsMode {
	case "private":
		return nsMode{}, nil
	case "host":
		return nsMode{host: true}, nil
	case "":
		return nsMode{host: !g.host.unified}, nil
	}
	return nsMode{}, invalid("--cgroupns: invalid CGROUP mode")
}

// setHostname works out the container's hostname as Docker does: the one
// given; else the host's with the host's network; else the first 12
// characters of the ID. A hostname cannot be given with the host's UTS
// namespace or another container's network.
func (g *generator) setHostname(net, uts nsMode) error {
	o := g.opts
	switch {
	case o.Hostname != "" && uts.host:
		return invalid("conflicting options: hostname and the UTS mode")
	case o.Hostname != "" && net.path != "" && !net.own:
		return invalid("conflicting options: hostname and the network mode")
	}
	g.hostname = o.Hostname
	if g.hostname == "" && net.host {
		g.hostname, _ = os.Hostname()
	}
	if g.hostname == "" {
		g.hostname = o.ID
		if len(g.hostname) > 12 {
			g.hostname = g.hostname[:12]
		}
	}
	if !uts.host {
		g.spec.Hostname = g.hostname
		g.spec.Domainname = o.Domainname
	}
	return nil
}

// nsOwn reports whether the container gets a new namespace of type t, and
// nsHost whether it stays in the host's.
func (g *generator) nsOwn(t specs.LinuxNamespaceType) bool {
	for _, ns := range g.spec.Linux.Namespaces {
		if ns.Type == t {
			return ns.Path == "" || (t == specs.NetworkNamespace && ns.Path == g.opts.NetworkNSPath)
		}
	}
	return false
}

func (g *generator) nsHost(t specs.LinuxNamespaceType) bool {
	for _, ns := range g.spec.Linux.Namespaces {
		if ns.Type == t {
			return false
		}
	}
	return true
}

// sysctls applies --sysctl, after Docker's defaults for a container with a
// network namespace of its own: any group may open ICMP echo sockets (ping
// without CAP_NET_RAW) and any user may bind ports below 1024.
func (g *generator) sysctls() error {
	if g.nsOwn(specs.NetworkNamespace) {
		g.spec.Linux.Sysctl["net.ipv4.ping_group_range"] = "0 2147483647"
		g.spec.Linux.Sysctl["net.ipv4.ip_unprivileged_port_start"] = "0"
	}
	for name, value := range g.opts.Sysctls {
		if err := g.checkSysctl(name); err != nil {
			return err
		}
		g.spec.Linux.Sysctl[name] = value
	}
	return nil
}

// checkSysctl refuses, in runc's words (which is what Docker users see), a
// sysctl that would change the host: one no namespace holds, or one of a
// namespace the container shares with the host. A namespace joined from
// another container is that container's to change, as runc allows.
func (g *generator) checkSysctl(name string) error {
	switch {
	case strings.HasPrefix(name, "net."):
		if g.nsHost(specs.NetworkNamespace) {
			return invalid("sysctl %q not allowed in host network namespace", name)
		}
	case ipcSysctls[name] || strings.HasPrefix(name, "fs.mqueue."):
		if g.nsHost(specs.IPCNamespace) {
			return invalid("sysctl %q is not allowed in the hosts ipc namespace", name)
		}
	case name == "kernel.domainname":
		if g.nsHost(specs.UTSNamespace) {
			return invalid("sysctl %q is not allowed in the hosts uts namespace", name)
		}
	default:
		return invalid("sysctl %q is not in a separate kernel namespace", name)
	}
	return nil
}
