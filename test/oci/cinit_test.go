package oci_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// inits are the two ways hull-oci starts a container: the C init running
// the runtime's plan (the default) and the Go init (HULL_INIT=go).
var inits = []struct {
	name   string
	goInit bool
}{{"c", false}, {"go", true}}

// report prints what a container's setup decides: credentials, limits,
// the mount table (sorted: mount ids and order aside), /dev and the
// identity, so two containers can be compared line by line.
const report = `id; grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status
cut -d' ' -f4- /proc/self/mountinfo | sort
for f in /dev/* /dev/pts/ptmx; do stat -c '%n %F %a %u %g %t %T %N' $f; done
hostname; cat /proc/sys/kernel/domainname /proc/sys/net/ipv4/ip_forward
ulimit -n; umask; pwd; readlink /etc/resolv.conf; stat -c '%n %a' /tmp /data /data/file; true`

// The C init builds the same container as the Go init from the same
// config. "mounts" is runc's example (read-only root, masked and read-only
// paths, the cgroup mount, a cgroup namespace) plus binds of a directory, a
// file, a relative source and onto an image symlink to a missing file,
// tmpfs mounts keeping a directory's mode or made read-only, recursive and
// propagation options, a user with groups and a umask, a missing cwd,
// rlimits, sysctls, hostname and domainname. "process" has a seccomp
// filter loaded while privileged (no no_new_privs), chosen capabilities
// (ambient ones too) and root.
func TestInitsAgree(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(t *testing.T, e *env, rootfs, host string)
		want   []string
	}{
		{"mounts", agreeMounts, []string{"uid=65534", "groups=5(tty),100", "/data ro,nosuid",
			"agree\nexample.org\n1\n512\n0027\n/work/new\n", "/tmp 1777"}},
		{"process", agreeProcess, []string{"uid=0", "CapAmb:\t0000000000000400", "Seccomp:\t2",
			"NoNewPrivs:\t0", "mkdir: can't create directory '/tmp/x': Operation not permitted"}},
		{"userns", agreeUserNS, []string{"uid=0(root)", "/dev/null character special file 666 65534 65534 1 3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var outs []string
			host := t.TempDir() // shared: host paths show in the mount table
			for _, in := range inits {
				// A rootfs each: the first run creates mountpoints in its own.
				rootfs := copyRootfs(t)
				e := newEnv(t, "sh", "-c", report)
				e.goInit = in.goInit
				e.spec.Root.Path = rootfs
				c.mutate(t, e, rootfs, host)
				e.writeSpec()
				out, errOut, code := e.run("run", "--bundle", e.bundle, "agree")
				if code != 0 {
					t.Fatalf("%s init: exit %d: %s%s", in.name, code, errOut, out)
				}
				out = strings.ReplaceAll(out, e.bundle, "BUNDLE")
				outs = append(outs, strings.ReplaceAll(out, rootfs, "ROOTFS"))
			}
			if outs[0] != outs[1] {
				t.Fatalf("the inits disagree:\n%s", lineDiff(outs[1], outs[0]))
			}
			for _, want := range c.want {
				if !strings.Contains(outs[0], want) {
					t.Errorf("missing %q in:\n%s", want, outs[0])
				}
			}
		})
	}
}

func agreeMounts(t *testing.T, e *env, rootfs, host string) {
	if err := os.WriteFile(filepath.Join(host, "file"), []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../run/systemd/resolve/stub-resolv.conf", filepath.Join(rootfs, "etc/resolv.conf")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(rootfs, "tmp"), os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.bundle, "relative"), []byte("r"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.spec.Hostname, e.spec.Domainname = "agree", "example.org"
	e.spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	e.spec.Mounts = append(e.spec.Mounts,
		specs.Mount{Destination: "/data", Source: host, Type: "bind", Options: []string{"rbind", "ro", "nosuid"}},
		specs.Mount{Destination: "/etc/host-file", Source: filepath.Join(host, "file"), Type: "bind", Options: []string{"bind"}},
		specs.Mount{Destination: "/etc/relative", Source: "relative", Type: "bind", Options: []string{"bind", "rprivate"}},
		specs.Mount{Destination: "/etc/resolv.conf", Source: filepath.Join(host, "file"), Type: "bind", Options: []string{"bind", "ro"}},
		specs.Mount{Destination: "/tmp", Source: "tmpfs", Type: "tmpfs", Options: []string{"nosuid", "rnodev"}},
		specs.Mount{Destination: "/run/ro", Source: "tmpfs", Type: "tmpfs", Options: []string{"ro", "size=1m"}},
	)
	umask := uint32(0o027)
	e.spec.Process.User = specs.User{UID: 65534, GID: 65534, AdditionalGids: []uint32{5, 100}, Umask: &umask}
	e.spec.Process.Cwd = "/work/new"
	e.spec.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 512, Hard: 512}}
}

// agreeUserNS is runc's example in a user namespace: devices become binds
// of the host's, sysfs and the cgroups' flags are the host's locked ones.
func agreeUserNS(t *testing.T, e *env, rootfs, host string) {
	// The container's root is an unprivileged host uid: let it reach the
	// rootfs through the test's private temporary directories.
	for d := filepath.Dir(rootfs); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	e.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	e.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
}

func agreeProcess(t *testing.T, e *env, rootfs, host string) {
	eperm := uint(1)
	e.spec.Root.Readonly = false
	e.spec.Process.Args[2] += "; mkdir /tmp/x"
	e.spec.Process.NoNewPrivileges = false
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eperm}},
	}
	caps := []string{"CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_SETUID"}
	e.spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps,
		Inheritable: caps, Ambient: []string{"CAP_NET_BIND_SERVICE"}}
	e.spec.Process.Args = []string{"sh", "-c", e.spec.Process.Args[2] + " 2>&1; true"}
}

// lineDiff lists the lines only in a (-) or only in b (+).
func lineDiff(a, b string) string {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		count[l]--
	}
	var out []string
	for l, n := range count {
		switch {
		case n > 0:
			out = append(out, "- go: "+l)
		case n < 0:
			out = append(out, "+ c:  "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// Both inits refuse what an image could use to escape or to fake the
// kernel's files, with the same error, and leave nothing behind.
func TestInitsRefuseUnsafeMounts(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, rootfs string, s *specs.Spec)
		want  string
	}{{
		// CVE-2019-19921: /proc reached through a symlink.
		"proc through a symlink",
		func(t *testing.T, rootfs string, s *specs.Spec) {
			os.Remove(filepath.Join(rootfs, "proc"))
			if err := os.Symlink("tmp", filepath.Join(rootfs, "proc")); err != nil {
				t.Fatal(err)
			}
		},
		"proc must be mounted on a directory reached without symlinks",
	}, {
		// CVE-2019-16884: a bind over a file below /proc.
		"bind into /proc",
		func(t *testing.T, rootfs string, s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/proc/self/attr/exec", Source: "/dev/null", Type: "bind", Options: []string{"bind"}})
		},
		`"/proc/1/attr/exec" is inside /proc`,
	}, {
		"a tmpfs over /proc",
		func(t *testing.T, rootfs string, s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/proc", Source: "tmpfs", Type: "tmpfs"})
		},
		"only a procfs may be mounted on /proc",
	}}
	for _, c := range cases {
		for _, in := range inits {
			t.Run(c.name+"/"+in.name, func(t *testing.T) {
				e := newEnv(t, "true")
				e.goInit = in.goInit
				e.spec.Root.Path = copyRootfs(t)
				e.spec.Root.Readonly = false
				c.setup(t, e.spec.Root.Path, e.spec)
				e.writeSpec()
				_, errOut, code := e.run("run", "--bundle", e.bundle, "unsafe")
				if code == 0 || !strings.Contains(errOut, c.want) {
					t.Fatalf("exit %d, stderr %q, want %q", code, errOut, c.want)
				}
				if out := e.mustRun("list", "-q"); strings.TrimSpace(out) != "" {
					t.Fatalf("a failed run left a container: %q", out)
				}
			})
		}
	}
}

// A symlink in the image that points at a host path is followed inside
// the rootfs: the mountpoint is created there, never on the host. When the
// path it names is missing inside the rootfs, the mount fails.
func TestInitsKeepSymlinksInsideRootfs(t *testing.T) {
	for _, in := range inits {
		for _, dangling := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/dangling=%v", in.name, dangling), func(t *testing.T) {
				outside := t.TempDir()
				e := newEnv(t, "ls", "-d", "/escape/mnt")
				e.goInit = in.goInit
				rootfs := copyRootfs(t)
				e.spec.Root.Path = rootfs
				if err := os.Symlink("/../../../../../../.."+outside, filepath.Join(rootfs, "escape")); err != nil {
					t.Fatal(err)
				}
				if !dangling {
					if err := os.MkdirAll(filepath.Join(rootfs, outside), 0o755); err != nil {
						t.Fatal(err)
					}
				}
				e.spec.Mounts = append(e.spec.Mounts, specs.Mount{Destination: "/escape/mnt", Source: "tmpfs", Type: "tmpfs"})
				e.writeSpec()
				_, errOut, code := e.run("run", "--bundle", e.bundle, "escape")
				if entries, _ := os.ReadDir(outside); len(entries) != 0 {
					t.Fatalf("the mountpoint was created on the host: %v", entries)
				}
				if dangling {
					if code == 0 {
						t.Fatal("a mount through a dangling symlink succeeded")
					}
					return
				}
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				if _, err := os.Stat(filepath.Join(rootfs, outside, "mnt")); err != nil {
					t.Fatalf("the mountpoint is not inside the rootfs: %v", err)
				}
			})
		}
	}
}

// A process exec'd through the C init is the same as one exec'd through
// the Go init: namespaces, cgroup, credentials, limits, the container's
// seccomp filter, environment and working directory; and both refuse a
// missing program alike.
func TestInitsAgreeOnExec(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.spec.Process.NoNewPrivileges = false
	eperm := uint(1)
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eperm}},
	}
	startSleeper(t, e, "ex")
	script := `id; grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status; cat /proc/self/cgroup
for n in mnt pid uts ipc net cgroup; do readlink /proc/self/ns/$n; done
echo $GREETING; pwd; ulimit -n; mkdir /tmp/x 2>&1; true`
	args := []string{"exec", "--env", "GREETING=hi", "--cwd", "/tmp", "--user", "65534:65534", "ex", "sh", "-c", script}
	var outs []string
	for _, in := range inits {
		e.goInit = in.goInit
		out, errOut, code := e.run(args...)
		if code != 0 {
			t.Fatalf("%s init: exit %d: %s%s", in.name, code, errOut, out)
		}
		outs = append(outs, out)
		_, errOut, code = e.run("exec", "ex", "no-such-program")
		if code == 0 || !strings.Contains(errOut, `exec: "no-such-program": executable file not found in $PATH`) {
			t.Errorf("%s init: a missing program: exit %d, %q", in.name, code, errOut)
		}
	}
	if outs[0] != outs[1] {
		t.Fatalf("the inits disagree:\n%s", lineDiff(outs[1], outs[0]))
	}
	for _, want := range []string{"uid=65534", "Seccomp:\t2", "hi\n/tmp\n", "Operation not permitted"} {
		if !strings.Contains(outs[0], want) {
			t.Errorf("missing %q in:\n%s", want, outs[0])
		}
	}
}
