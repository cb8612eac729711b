package cli_test

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The network tests use real bridges, veths, iptables rules and CNI's
// plugins, on subnets of 10.231.0.0/16 that they create and remove, and
// reach nothing but 127.0.0.1 and those bridges.

// netRoot is engineRoot for a network test: it skips without the CNI
// plugins and, when the test ends, removes the containers and then the
// networks the test made (before engineRoot's cleanup checks the root).
func netRoot(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/lib/cni/bridge"); err != nil {
		t.Skip("needs CNI's plugins (apt-get install containernetworking-plugins)")
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Skip("needs iptables")
	}
	root := engineRoot(t)
	t.Cleanup(func() {
		if ids := lines(hull(t, root, nil, "ps", "-aq").stdout); len(ids) > 0 {
			hull(t, root, nil, append([]string{"rm", "-f"}, ids...)...)
		}
		// prune removes the user networks and takes the default network's
		// bridge and rules down.
		br := run(t, root, "network", "inspect", "-f", `{{index .Options "com.docker.network.bridge.name"}}`, "bridge")
		if r := hull(t, root, nil, "network", "prune", "-f"); r.code != 0 {
			t.Errorf("network prune at the end of the test: %s", r.stderr)
		}
		if left := lines(hull(t, root, nil, "network", "ls", "-q").stdout); len(left) != 1 {
			t.Errorf("networks left after prune: %v", left)
		}
		if _, err := os.Stat("/sys/class/net/" + br); err == nil {
			t.Errorf("the default network's bridge %s is still there after prune", br)
		}
	})
	return root
}

// server runs a container that answers every TCP connection on port 7000
// with its name, and waits until it listens.
func server(t *testing.T, root, name string, args ...string) {
	t.Helper()
	cmd := []string{"run", "-d", "--name", name}
	cmd = append(cmd, args...)
	cmd = append(cmd, "busybox", "sh", "-c", "while true; do echo "+name+" | nc -l -p 7000; done")
	run(t, root, cmd...)
	eventually(t, name+" listening", func() bool {
		r := hull(t, root, nil, "exec", name, "sh", "-c", "netstat -ltn | grep -q :7000")
		return r.code == 0
	})
}

// Two containers on a user network talk TCP by name and by alias, and
// their hosts files follow as containers come and go.
func TestNetworkNameResolution(t *testing.T) {
	root := netRoot(t)
	run(t, root, "network", "create", "--subnet", "10.231.20.0/24", "app")
	server(t, root, "db", "--network", "app", "--network-alias", "database")
	for _, name := range []string{"db", "database"} {
		got := run(t, root, "run", "--rm", "--network", "app", "busybox", "nc", "-w", "5", name, "7000")
		if got != "db" {
			t.Errorf("nc %s 7000 on app: %q, want db", name, got)
		}
	}
	run(t, root, "run", "-d", "--name", "web", "--network", "app", "busybox", "sleep", "60")
	if hosts := run(t, root, "exec", "db", "cat", "/etc/hosts"); !strings.Contains(hosts, "\tweb ") {
		t.Errorf("db's /etc/hosts does not name web, which joined after it:\n%s", hosts)
	}
	run(t, root, "rename", "web", "front")
	if hosts := run(t, root, "exec", "db", "cat", "/etc/hosts"); !strings.Contains(hosts, "\tfront ") || strings.Contains(hosts, "\tweb ") {
		t.Errorf("db's /etc/hosts does not follow web's rename to front:\n%s", hosts)
	}
	run(t, root, "rm", "-f", "front")
	if hosts := run(t, root, "exec", "db", "cat", "/etc/hosts"); strings.Contains(hosts, "front") {
		t.Errorf("db's /etc/hosts still names web after its removal:\n%s", hosts)
	}
	// The default bridge resolves no names, as Docker's.
	server(t, root, "plain")
	if r := hull(t, root, nil, "run", "--rm", "busybox", "nc", "-w", "2", "plain", "7000"); r.code == 0 {
		t.Errorf("a name resolved on the default bridge: %q", r.stdout)
	}
	if ip := inspect(t, root, "db", "{{.NetworkSettings.Networks.app.IPAddress}}"); !strings.HasPrefix(ip, "10.231.20.") {
		t.Errorf("db's address on app: %q", ip)
	}
}

// A published port answers on the host's 127.0.0.1 and, through the
// bridge's gateway, from another container's network namespace; a port
// already bound is refused in one line.
func TestNetworkPublish(t *testing.T) {
	root := netRoot(t)
	server(t, root, "pub", "-p", "127.0.0.1::7000")
	hostPort := strings.TrimPrefix(run(t, root, "port", "pub", "7000"), "127.0.0.1:")
	if got := dialRead(t, "127.0.0.1:"+hostPort); got != "pub" {
		t.Errorf("127.0.0.1:%s answered %q, want pub", hostPort, got)
	}
	if ps := run(t, root, "ps", "--format", "{{.Ports}}"); ps != "127.0.0.1:"+hostPort+"->7000/tcp" {
		t.Errorf("ps PORTS: %q", ps)
	}

	// Published on all addresses: reachable from another container at its
	// gateway.
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := l.Addr().(*net.TCPAddr).Port
	l.Close()
	server(t, root, "pub2", "-p", itoa(free)+":7000")
	gw := inspect(t, root, "pub2", "{{.NetworkSettings.Networks.bridge.Gateway}}")
	got := run(t, root, "run", "--rm", "busybox", "nc", "-w", "5", gw, itoa(free))
	if got != "pub2" {
		t.Errorf("%s:%d from another container answered %q, want pub2", gw, free, got)
	}

	// A port a host program holds.
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := itoa(busy.Addr().(*net.TCPAddr).Port)
	msg := fails(t, root, "run", "-d", "--name", "clash", "-p", "127.0.0.1:"+port+":80", "busybox", "sleep", "60")
	if !strings.Contains(msg, "127.0.0.1:"+port) || !strings.Contains(msg, "port is already allocated") {
		t.Errorf("binding a busy port: %q", msg)
	}
	// A port another container publishes.
	msg = fails(t, root, "run", "-d", "-p", itoa(free)+":80", "busybox", "sleep", "60")
	if !strings.Contains(msg, "port is already allocated") {
		t.Errorf("publishing another container's port: %q", msg)
	}
}

// Containers on different networks cannot reach each other, and a
// container on an internal network reaches nothing beyond it.
func TestNetworkIsolation(t *testing.T) {
	root := netRoot(t)
	run(t, root, "network", "create", "--subnet", "10.231.21.0/24", "red")
	run(t, root, "network", "create", "--subnet", "10.231.22.0/24", "blue")
	run(t, root, "network", "create", "--subnet", "10.231.23.0/24", "--internal", "closed")
	server(t, root, "redsrv", "--network", "red")
	redIP := inspect(t, root, "redsrv", "{{.NetworkSettings.Networks.red.IPAddress}}")
	if got := run(t, root, "run", "--rm", "--network", "red", "busybox", "nc", "-w", "5", redIP, "7000"); got != "redsrv" {
		t.Fatalf("same network: %q", got)
	}
	if r := hull(t, root, nil, "run", "--rm", "--network", "blue", "busybox", "nc", "-w", "2", redIP, "7000"); r.code == 0 {
		t.Errorf("blue reached red's %s: %q", redIP, r.stdout)
	}
	// From the internal network, red's gateway (an address of the host,
	// outside the internal subnet) is out of reach, while the internal
	// network's own members are not.
	redGW := inspect(t, root, "redsrv", "{{.NetworkSettings.Networks.red.Gateway}}")
	if r := hull(t, root, nil, "run", "--rm", "--network", "closed", "busybox", "nc", "-w", "2", redGW, "7000"); r.code == 0 ||
		!strings.Contains(r.stderr, "unreachable") {
		t.Errorf("the internal network reached %s: exit %d %q", redGW, r.code, r.stderr)
	}
	server(t, root, "inside", "--network", "closed")
	if got := run(t, root, "run", "--rm", "--network", "closed", "busybox", "nc", "-w", "5", "inside", "7000"); got != "inside" {
		t.Errorf("within the internal network: %q", got)
	}
}

// Bad input, one clear line each; nothing is left half made.
func TestNetworkErrors(t *testing.T) {
	root := netRoot(t)
	run(t, root, "network", "create", "--subnet", "10.231.24.0/24", "one")
	msg := fails(t, root, "network", "create", "--subnet", "10.231.24.128/25", "two")
	if !strings.Contains(msg, "overlaps with network one") {
		t.Errorf("overlapping subnet: %q", msg)
	}
	if msg := fails(t, root, "run", "--rm", "--network", "nosuch", "busybox", "true"); !strings.Contains(msg, "network nosuch not found") {
		t.Errorf("unknown network: %q", msg)
	}
	run(t, root, "run", "-d", "--name", "user1", "--network", "one", "busybox", "sleep", "60")
	// Docker's network rm exits 1, as rm does, after one line per failure.
	if r := hull(t, root, nil, "network", "rm", "one"); r.code != 1 || !strings.Contains(r.stderr, "user1") ||
		!strings.Contains(r.stderr, "active endpoints") || len(lines(r.stderr)) != 1 {
		t.Errorf("removing a network in use: exit %d %q", r.code, r.stderr)
	}
	if msg := fails(t, root, "network", "create", "one"); !strings.Contains(msg, "already exists") {
		t.Errorf("duplicate name: %q", msg)
	}
	if r := hull(t, root, nil, "network", "rm", "bridge"); r.code != 1 || !strings.Contains(r.stderr, "pre-defined") {
		t.Errorf("removing the default network: exit %d %q", r.code, r.stderr)
	}
	if ls := run(t, root, "network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}"); ls != "bridge bridge local\none bridge local" {
		t.Errorf("network ls:\n%s", ls)
	}
}

// A running container joins and leaves a network; inspect shows it.
func TestNetworkConnect(t *testing.T) {
	root := netRoot(t)
	run(t, root, "network", "create", "--subnet", "10.231.25.0/24", "late")
	server(t, root, "target", "--network", "late")
	run(t, root, "run", "-d", "--name", "joiner", "busybox", "sleep", "60")
	run(t, root, "network", "connect", "--ip", "10.231.25.77", "--alias", "j", "late", "joiner")
	if ip := inspect(t, root, "joiner", "{{.NetworkSettings.Networks.late.IPAddress}}"); ip != "10.231.25.77" {
		t.Errorf("--ip: %q", ip)
	}
	if got := run(t, root, "exec", "joiner", "nc", "-w", "5", "target", "7000"); got != "target" {
		t.Errorf("after connect: %q", got)
	}
	if hosts := run(t, root, "exec", "target", "cat", "/etc/hosts"); !strings.Contains(hosts, "10.231.25.77\tjoiner j ") {
		t.Errorf("target's /etc/hosts after connect:\n%s", hosts)
	}
	if out := run(t, root, "network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", "late"); !strings.Contains(out, "joiner") {
		t.Errorf("network inspect containers: %q", out)
	}
	run(t, root, "network", "disconnect", "late", "joiner")
	if r := hull(t, root, nil, "exec", "joiner", "ip", "addr", "show", "eth1"); r.code == 0 {
		t.Errorf("eth1 still there after disconnect:\n%s", r.stdout)
	}
}

// Removing a container, also after a kill -9 of its monitor, leaves no
// veth, no address allocation and no iptables rule of it.
func TestNetworkCleanup(t *testing.T) {
	root := netRoot(t)
	run(t, root, "network", "create", "--subnet", "10.231.26.0/24", "tidy")
	// A first container brings the network's bridge and rules up; they
	// stay until the network is removed.
	run(t, root, "run", "-d", "--network", "tidy", "busybox", "sleep", "60")
	veths, rules := countVeths(t), iptablesRules(t)
	ipam := filepath.Join(root, "networks", "ipam", "tidy")
	for _, kill := range []bool{false, true} {
		id := run(t, root, "run", "-d", "--network", "tidy", "-p", "127.0.0.1::80", "busybox", "sleep", "60")
		if n := len(allocations(ipam)); n != 2 {
			t.Fatalf("%d addresses allocated for two containers", n)
		}
		if countVeths(t) != veths+1 || !strings.Contains(strings.Join(iptablesRules(t), "\n"), id) {
			t.Fatalf("no veth or no port rule for the container")
		}
		if kill {
			syscall.Kill(monitorPid(t, root, id), syscall.SIGKILL)
		}
		run(t, root, "rm", "-f", id)
		if a := allocations(ipam); len(a) != 1 {
			t.Errorf("kill -9 %v: allocations %v, want the first container's only", kill, a)
		}
		if extra := newRules(rules, iptablesRules(t)); len(extra) > 0 {
			t.Errorf("kill -9 %v: iptables rules left: %q", kill, extra)
		}
		// The veth dies with the namespace, in a kernel worker.
		eventually(t, "the veth to go", func() bool { return countVeths(t) == veths })
		if _, err := os.Stat(filepath.Join(root, "exec", "netns", id)); !os.IsNotExist(err) {
			t.Errorf("kill -9 %v: netns left: %v", kill, err)
		}
	}
}

// dialRead connects to addr and returns the first line it sends.
func dialRead(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

func itoa(n int) string { return strconv.Itoa(n) }

// countVeths counts the host's veth interfaces.
func countVeths(t *testing.T) int {
	out, err := exec.Command("ip", "-o", "link", "show", "type", "veth").Output()
	if err != nil {
		t.Fatal(err)
	}
	return len(lines(string(out)))
}

// iptablesRules are the host's rules and chains, as iptables-save prints
// them without counters.
func iptablesRules(t *testing.T) []string {
	out, err := exec.Command("iptables-save").Output()
	if err != nil {
		t.Fatal(err)
	}
	var rs []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "-A ") || strings.HasPrefix(l, ":CNI-") {
			rs = append(rs, l)
		}
	}
	return rs
}

// newRules are the rules of after that before did not have.
func newRules(before, after []string) []string {
	have := map[string]int{}
	for _, r := range before {
		have[r]++
	}
	var extra []string
	for _, r := range after {
		if have[r] > 0 {
			have[r]--
			continue
		}
		extra = append(extra, r)
	}
	return extra
}

// allocations are host-local's files of allocated addresses in dir.
func allocations(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if net.ParseIP(e.Name()) != nil {
			out = append(out, e.Name())
		}
	}
	return out
}

// A container that stopped gives its address and host port back, and gets
// them again when it starts.
func TestNetworkStopReleases(t *testing.T) {
	root := netRoot(t)
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	run(t, root, "run", "-d", "--name", "first", "-p", "127.0.0.1:"+port+":7000", "busybox", "sleep", "60")
	run(t, root, "stop", "-t", "0", "first")
	eventually(t, "first's address to go", func() bool {
		return inspect(t, root, "first", "{{json .NetworkSettings.Networks.bridge.IPAddress}}") == `""`
	})
	server(t, root, "second", "-p", "127.0.0.1:"+port+":7000")
	if got := dialRead(t, "127.0.0.1:"+port); got != "second" {
		t.Errorf("127.0.0.1:%s answered %q, want second", port, got)
	}
	run(t, root, "rm", "-f", "second")
	run(t, root, "start", "first")
	if got := run(t, root, "port", "first"); got != "7000/tcp -> 127.0.0.1:"+port {
		t.Errorf("port after restart: %q", got)
	}
}

// --network none gives a container its own namespace with only a working
// loopback, as Docker's does.
func TestNetworkNoneLoopback(t *testing.T) {
	root := engineRoot(t)
	got := run(t, root, "run", "--rm", "--network", "none", "busybox", "sh", "-c",
		"ls /sys/class/net; nc -l -p 7000 -e echo pong & sleep 0.3; nc -w 5 127.0.0.1 7000")
	if got != "lo\npong" {
		t.Errorf("--network none: %q, want only lo, answering on 127.0.0.1", got)
	}
}
