package engine

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/atomicfile"
	"github.com/hullrt/hull/internal/network"
)

// etcFiles writes the container's /etc/hostname, /etc/hosts and
// /etc/resolv.conf into its directory and returns the bind mounts that put
// them in place, as Docker does (the image's own files stay untouched).
func (e *Engine) etcFiles(c *Container) ([]specs.Mount, error) {
	dir := e.dir(c.ID)
	host := hostname(c)
	for _, h := range c.HostConfig.ExtraHosts {
		if _, _, ok := strings.Cut(h, ":"); !ok {
			return nil, fmt.Errorf("invalid extra host %q: want HOST:IP", h)
		}
	}
	var ns *network.Store
	if networked(c.HostConfig) {
		var err error
		if ns, err = e.Networks(); err != nil {
			return nil, err
		}
	}
	hosts := e.hostsFile(c, ns)
	files := map[string]string{
		"hostname":    host + "\n",
		"hosts":       hosts,
		"resolv.conf": resolvConf(c.HostConfig),
	}
	if c.HostConfig.NetworkMode == "host" {
		if b, err := os.ReadFile("/etc/hosts"); err == nil {
			files["hosts"] = string(b)
		}
	}
	var ms []specs.Mount
	for _, name := range []string{"hostname", "hosts", "resolv.conf"} {
		if userMounted(c, "/etc/"+name) {
			continue // the user's own file wins, as in Docker
		}
		p := filepath.Join(dir, name)
		if err := atomicfile.Write(p, []byte(files[name]), 0o644); err != nil {
			return nil, err
		}
		opts := []string{"rbind", "rprivate", "nosuid", "nodev", "noexec"}
		if c.HostConfig.ReadonlyRootfs {
			opts = append(opts, "ro")
		}
		ms = append(ms, specs.Mount{Destination: "/etc/" + name, Type: "bind", Source: p, Options: opts})
	}
	return ms, nil
}

// hostname is the container's hostname: the one asked for, else the
// short id.
func hostname(c *Container) string {
	if c.Config.Hostname != "" {
		return c.Config.Hostname
	}
	return c.ID[:12]
}

// hostsFile is the container's /etc/hosts: localhost, the container's own
// name on each of its addresses (127.0.1.1 without one), --add-host, and
// the network package's managed part naming its peers on user networks.
func (e *Engine) hostsFile(c *Container, ns *network.Store) string {
	host := hostname(c)
	hosts := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" +
		"fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"
	own := ""
	if ns != nil {
		eps, _ := ns.Endpoints(c.ID)
		for _, ep := range eps {
			if ep.IP.IsValid() {
				own += ep.IP.Addr().String() + "\t" + host + "\n"
			}
		}
	}
	if own == "" && c.HostConfig.NetworkMode != "host" {
		own = "127.0.1.1\t" + host + "\n"
	}
	hosts += own
	for _, h := range c.HostConfig.ExtraHosts {
		name, ip, _ := strings.Cut(h, ":")
		hosts += ip + "\t" + name + "\n"
	}
	if ns != nil {
		hosts += ns.HostsSection(c.ID)
	}
	return hosts
}

// rewriteInPlace replaces a file's content without replacing the file: a
// running container sees it through a bind mount of this very inode.
func rewriteInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteAt(data, 0); err != nil {
		return err
	}
	return f.Truncate(int64(len(data)))
}

// resolvConf is the host's resolv.conf with the request's --dns, --dns-search
// and --dns-option applied. Loopback name servers are dropped, as Docker
// does, since the container's loopback is not the host's.
func resolvConf(hc *container.HostConfig) string {
	host, _ := os.ReadFile("/etc/resolv.conf")
	var servers, search, options []string
	sc := bufio.NewScanner(bytes.NewReader(host))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if hc.NetworkMode == "host" || !(strings.HasPrefix(f[1], "127.") || f[1] == "::1") {
				servers = append(servers, f[1])
			}
		case "search":
			search = f[1:]
		case "options":
			options = append(options, f[1:]...)
		}
	}
	if len(hc.DNS) > 0 {
		servers = servers[:0]
		for _, a := range hc.DNS {
			servers = append(servers, a.String())
		}
	}
	if len(hc.DNSSearch) > 0 {
		search = hc.DNSSearch
	}
	if len(hc.DNSOptions) > 0 {
		options = hc.DNSOptions
	}
	var b strings.Builder
	for _, s := range servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if len(search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(search, " "))
	}
	if len(options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(options, " "))
	}
	return b.String()
}

// userMounted reports whether the user mounts something at target.
func userMounted(c *Container, target string) bool {
	for _, m := range c.Mounts {
		if m.Destination == target {
			return true
		}
	}
	return false
}
