package rootfs

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// These tests need root; see helper_test.go for how they run.

func TestRuncDefaultConfig(t *testing.T) { runScenario(t, "default") }
func TestRuncSpec(t *testing.T)          { runScenario(t, "runc-spec") }
func TestUserNamespace(t *testing.T)     { runScenario(t, "userns") }
func TestCgroupNamespace(t *testing.T)   { runScenario(t, "cgroupns") }
func TestNoPivot(t *testing.T)           { runScenario(t, "nopivot") }

func TestRootPropagation(t *testing.T) {
	for _, p := range []string{"shared", "rshared", "private", "slave", "unbindable"} {
		t.Run(p, func(t *testing.T) { runScenario(t, "propagation-"+p) })
	}
}

func TestRefused(t *testing.T) {
	for _, name := range []string{"proc-symlink", "clear-locked-flag", "device-conflict", "mount-in-proc"} {
		t.Run(name, func(t *testing.T) { runScenario(t, name) })
	}
}

// scenarios are the containers the tests build, by name.
func scenarios() map[string]scenario {
	all := map[string]scenario{
		"default": {
			cloneflags: syscall.CLONE_NEWNET,
			config:     defaultConfig,
			check:      checkDefault,
		},
		"userns": {
			userns: true, // and no network namespace: sysfs falls back to a bind
			config: usernsConfig,
			check:  checkUserns,
		},
		"cgroupns": {
			cloneflags: syscall.CLONE_NEWCGROUP | syscall.CLONE_NEWNET,
			config:     cgroupnsConfig,
			check:      checkCgroupns,
		},
		"runc-spec": {
			cloneflags: syscall.CLONE_NEWNET,
			config: func(b *bundle) *Config {
				c := minimalConfig(b)
				c.Spec.Root.Readonly = true
				c.Spec.Mounts = runcMounts()
				c.Spec.Linux.MaskedPaths = runcMaskedPaths
				c.Spec.Linux.ReadonlyPaths = runcReadonlyPaths
				return c
			},
			check: func(c *checker, b *bundle) {
				t := readMounts(c)
				t.want(c, "/dev/pts", "devpts")
				checkCgroupBinds(c, t, b)
			},
		},
		"nopivot": {
			setup: func(b *bundle) error {
				// A node the image already has: adopted, its mode fixed.
				return unix.Mknod(filepath.Join(b.rootfs, "dev/zero"), unix.S_IFCHR|0o600, int(unix.Mkdev(1, 5)))
			},
			config: func(b *bundle) *Config {
				c := minimalConfig(b)
				c.NoPivot = true
				return c
			},
			check: checkNoPivot,
		},
	}
	for name, s := range refusedScenarios() {
		all[name] = s
	}
	for _, p := range []string{"shared", "rshared", "private", "slave", "unbindable"} {
		all["propagation-"+p] = scenario{
			config: func(b *bundle) *Config {
				c := minimalConfig(b)
				c.Spec.Linux.RootfsPropagation = p
				return c
			},
			check: checkPropagation(p),
		}
	}
	return all
}

// refusedScenarios are configurations Prepare must refuse.
func refusedScenarios() map[string]scenario {
	return map[string]scenario{
		"proc-symlink": {
			setup: func(b *bundle) error {
				p := filepath.Join(b.rootfs, "proc")
				if err := os.Remove(p); err != nil {
					return err
				}
				return os.Symlink("tmp", p)
			},
			config:  minimalConfig,
			wantErr: `mounting "proc" on "/proc": proc must be mounted on a directory reached without symlinks`,
		},
		"clear-locked-flag": {
			userns: true,
			config: func(b *bundle) *Config {
				c := minimalConfig(b)
				c.UserNS = true
				c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{
					Destination: "/locked", Type: "none", Source: "locked", Options: []string{"bind", "ro", "suid"},
				})
				return c
			},
			wantErr: `mounting "locked" on "/locked": cannot clear the locked mount flags nosuid`,
		},
		"device-conflict": {
			setup: func(b *bundle) error {
				return os.WriteFile(filepath.Join(b.rootfs, "dev/null"), []byte("not a device"), 0o644)
			},
			config:  minimalConfig,
			wantErr: `device "/dev/null": something else is already there`,
		},
		"mount-in-proc": {
			config: func(b *bundle) *Config {
				c := minimalConfig(b)
				c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{
					Destination: "/etc/../proc/sys/kernel/core_pattern", Type: "bind", Source: "hostfile",
				})
				return c
			},
			wantErr: `mounting "hostfile" on "/etc/../proc/sys/kernel/core_pattern": "/proc/sys/kernel/core_pattern" is inside /proc`,
		},
	}
}

// runcMounts are the mounts of `runc spec`, cgroup included.
func runcMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
	}
}

// runcMaskedPaths and runcReadonlyPaths are those of `runc spec`.
var (
	runcMaskedPaths = []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"}
	runcReadonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

func fileMode(m os.FileMode) *os.FileMode { return &m }
func id(n uint32) *uint32                 { return &n }

// defaultConfig is `runc spec` plus binds, tmpfs mounts, devices and the
// symlink traps of the bundle.
func defaultConfig(b *bundle) *Config {
	mounts := append(runcMounts(),
		specs.Mount{Destination: "/data-ro", Type: "bind", Source: "data-ro", Options: []string{"rbind", "ro", "rprivate"}},
		specs.Mount{Destination: "/data-rw", Type: "none", Source: filepath.Join(b.dir, "data-rw"), Options: []string{"bind", "rw"}},
		specs.Mount{Destination: "/etc/resolv.conf", Source: "hostfile", Options: []string{"rbind", "ro"}},
		specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "size=1m"}},
		specs.Mount{Destination: "/evil", Type: "tmpfs", Source: "evil"},
		specs.Mount{Destination: "/evil2/sub", Type: "bind", Source: "data-rw"},
		specs.Mount{Destination: "relative", Type: "tmpfs", Source: "relative"},
		specs.Mount{Destination: "/ro-tmp", Type: "tmpfs", Source: "ro-tmp", Options: []string{"ro", "size=64k"}},
	)
	return &Config{
		Rootfs:  b.rootfs,
		Console: b.console,
		Spec: &specs.Spec{
			Root:       &specs.Root{Path: "rootfs", Readonly: true},
			Hostname:   "hull-test",
			Domainname: "hull.example",
			Mounts:     mounts,
			Linux: &specs.Linux{
				Namespaces: []specs.LinuxNamespace{{Type: "pid"}, {Type: "network"}, {Type: "ipc"}, {Type: "uts"}, {Type: "mount"}},
				Devices: []specs.LinuxDevice{
					{Path: "/dev/hull/fuse", Type: "c", Major: 10, Minor: 229, FileMode: fileMode(0o600), UID: id(1000), GID: id(1001)},
					{Path: "/dev/hull-fifo", Type: "p", FileMode: fileMode(0o640)},
					{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, FileMode: fileMode(0o666), GID: id(5)},
				},
				MaskedPaths:   runcMaskedPaths,
				ReadonlyPaths: runcReadonlyPaths,
				Sysctl:        map[string]string{"kernel.msgmax": "16384"},
			},
		},
	}
}

// usernsConfig is defaultConfig for a user namespace without a network
// namespace, binding a source whose flags the kernel locked.
func usernsConfig(b *bundle) *Config {
	c := defaultConfig(b)
	c.UserNS = true
	l := c.Spec.Linux
	l.Namespaces = []specs.LinuxNamespace{{Type: "pid"}, {Type: "ipc"}, {Type: "uts"}, {Type: "mount"}, {Type: "user"}}
	l.Devices = []specs.LinuxDevice{{Path: "/dev/kmsg", Type: "c", Major: 1, Minor: 11}}
	c.Spec.Mounts = append(c.Spec.Mounts, specs.Mount{
		Destination: "/locked", Type: "none", Source: "locked", Options: []string{"bind", "ro"},
	})
	return c
}

// cgroupnsConfig mounts cgroups in the container's own cgroup namespace.
func cgroupnsConfig(b *bundle) *Config {
	c := minimalConfig(b)
	c.CgroupNS = true
	c.Spec.Mounts = append(c.Spec.Mounts, runcMounts()[5:]...) // sysfs, cgroup
	return c
}

// minimalConfig mounts /proc alone; /dev is the rootfs's own directory.
func minimalConfig(b *bundle) *Config {
	return &Config{
		Rootfs: b.rootfs,
		Spec: &specs.Spec{
			Root:   &specs.Root{Path: "rootfs"},
			Mounts: []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}},
			Linux:  &specs.Linux{},
		},
	}
}

// hasOption reports whether the comma-separated list opts has opt.
func hasOption(opts, opt string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == opt {
			return true
		}
	}
	return false
}
