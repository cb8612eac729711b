package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func nsByType(s *specs.Spec, typ specs.LinuxNamespaceType) *specs.LinuxNamespace {
	for i := range s.Linux.Namespaces {
		if s.Linux.Namespaces[i].Type == typ {
			return &s.Linux.Namespaces[i]
		}
	}
	return nil
}

func TestGenerateNamespaces(t *testing.T) {
	hostname, _ := os.Hostname()
	s := generate(t, busyboxImage, Options{NetworkMode: "host", PidMode: "host", IpcMode: "host", UTSMode: "host", CgroupnsMode: "private"})
	if got := namespaceTypes(s); !reflect.DeepEqual(got, []specs.LinuxNamespaceType{specs.MountNamespace, specs.CgroupNamespace}) {
		t.Errorf("all host: namespaces %q", got)
	}
	if s.Hostname != "" || !slices.Contains(s.Process.Env, "HOSTNAME="+hostname) || len(s.Linux.Sysctl) != 0 {
		t.Errorf("host UTS and network: hostname %q env %q sysctls %v", s.Hostname, s.Process.Env, s.Linux.Sysctl)
	}
	if m := findMount(s, "/dev/shm"); m == nil || !reflect.DeepEqual(*m, shmBind("/dev/shm")) {
		t.Errorf("--ipc host: /dev/shm %+v", m)
	}
	s = generate(t, busyboxImage, Options{NetworkMode: "none", Hostname: "web", Domainname: "example.org", IpcMode: "none"})
	if nsByType(s, specs.NetworkNamespace) == nil || s.Hostname != "web" || s.Domainname != "example.org" || findMount(s, "/dev/shm") != nil {
		t.Errorf("--network none --ipc none: %q %q %q", namespaceTypes(s), s.Hostname, s.Domainname)
	}
	s = generate(t, busyboxImage, Options{NetworkMode: "host"})
	if s.Hostname != hostname || nsByType(s, specs.UTSNamespace) == nil {
		t.Errorf("--network host: hostname %q, want the host's %q in a UTS namespace", s.Hostname, hostname)
	}
	s = generate(t, busyboxImage, Options{PidMode: "container:/proc/4242", NetworkMode: "container:/proc/4242/ns/net", IpcMode: "container:/proc/4242"})
	for typ, want := range map[specs.LinuxNamespaceType]string{
		specs.PIDNamespace: "/proc/4242/ns/pid", specs.NetworkNamespace: "/proc/4242/ns/net", specs.IPCNamespace: "/proc/4242/ns/ipc",
	} {
		if ns := nsByType(s, typ); ns == nil || ns.Path != want {
			t.Errorf("%s namespace %+v, want %s", typ, ns, want)
		}
	}
	if m := findMount(s, "/dev/shm"); m == nil || m.Source != "/proc/4242/root/dev/shm" {
		t.Errorf("--ipc container: /dev/shm %+v", m)
	}
	if _, ok := s.Linux.Sysctl["net.ipv4.ping_group_range"]; ok {
		t.Error("default network sysctls set in another container's network namespace")
	}
	s = generate(t, busyboxImage, Options{CgroupnsMode: "host", IpcMode: "shareable"})
	if nsByType(s, specs.CgroupNamespace) != nil || nsByType(s, specs.IPCNamespace) == nil {
		t.Errorf("--cgroupns host --ipc shareable: %q", namespaceTypes(s))
	}
	for _, tc := range []struct {
		opts Options
		err  string
	}{
		{Options{UTSMode: "host", Hostname: "x"}, "conflicting options: hostname and the UTS mode"},
		{Options{NetworkMode: "container:/proc/1", Hostname: "x"}, "conflicting options: hostname and the network mode"},
		{Options{PidMode: "weird"}, "--pid: invalid PID mode"},
		{Options{PidMode: "container:relative"}, "--pid: invalid PID mode"},
		{Options{IpcMode: "weird"}, "invalid IPC mode: weird"},
		{Options{UTSMode: "container:/proc/1"}, "--uts: invalid UTS mode"},
		{Options{CgroupnsMode: "weird"}, "--cgroupns: invalid CGROUP mode"},
		{Options{NetworkMode: "container:"}, "invalid network mode: container:"},
	} {
		generateErr(t, busyboxImage, tc.opts, tc.err)
	}
}

func TestGenerateSysctls(t *testing.T) {
	s := generate(t, busyboxImage, Options{Sysctls: map[string]string{
		"net.ipv4.ip_unprivileged_port_start": "1024", "kernel.shmmax": "1000", "fs.mqueue.msg_max": "20", "kernel.domainname": "x",
	}})
	want := map[string]string{"net.ipv4.ping_group_range": "0 2147483647", "net.ipv4.ip_unprivileged_port_start": "1024",
		"kernel.shmmax": "1000", "fs.mqueue.msg_max": "20", "kernel.domainname": "x"}
	if !reflect.DeepEqual(s.Linux.Sysctl, want) {
		t.Errorf("sysctls %v, want %v", s.Linux.Sysctl, want)
	}
	for _, tc := range []struct {
		opts Options
		err  string
	}{
		{Options{Sysctls: map[string]string{"kernel.panic": "1"}}, `sysctl "kernel.panic" is not in a separate kernel namespace`},
		{Options{NetworkMode: "host", Sysctls: map[string]string{"net.core.somaxconn": "1"}}, `sysctl "net.core.somaxconn" not allowed in host network namespace`},
		{Options{IpcMode: "host", Sysctls: map[string]string{"kernel.shmmax": "1"}}, `sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace`},
		{Options{UTSMode: "host", Sysctls: map[string]string{"kernel.domainname": "x"}}, `sysctl "kernel.domainname" is not allowed in the hosts uts namespace`},
	} {
		generateErr(t, busyboxImage, tc.opts, tc.err)
	}
}

func TestGenerateResources(t *testing.T) {
	s := generate(t, busyboxImage, Options{
		Memory: 64 << 20, MemoryReservation: 32 << 20, NanoCPUs: 15e8 / 2, CPUShares: 512,
		CpusetCpus: "0", CpusetMems: "0", PidsLimit: 100, OomKillDisable: true, CgroupParent: "/tenants/a",
	})
	r := s.Linux.Resources
	if *r.Memory.Limit != 64<<20 || *r.Memory.Reservation != 32<<20 || !*r.Memory.DisableOOMKiller {
		t.Errorf("memory %+v", r.Memory)
	}
	if probeHost().swapLimit && (r.Memory.Swap == nil || *r.Memory.Swap != 128<<20) {
		t.Errorf("swap %v, want twice the memory", r.Memory.Swap)
	}
	if *r.CPU.Period != 100000 || *r.CPU.Quota != 75000 || *r.CPU.Shares != 512 || r.CPU.Cpus != "0" || r.CPU.Mems != "0" {
		t.Errorf("cpu %+v", r.CPU)
	}
	if *r.Pids.Limit != 100 || s.Linux.CgroupsPath != "/tenants/a/"+testID {
		t.Errorf("pids %v, cgroups path %q", *r.Pids.Limit, s.Linux.CgroupsPath)
	}
	s = generate(t, busyboxImage, Options{Memory: 64 << 20, MemorySwap: -1, PidsLimit: -5})
	if *s.Linux.Resources.Memory.Swap != -1 || *s.Linux.Resources.Pids.Limit != -1 {
		t.Errorf("unlimited swap and pids: %v %v", *s.Linux.Resources.Memory.Swap, *s.Linux.Resources.Pids.Limit)
	}
	var warnings []string
	s = generate(t, busyboxImage, Options{CPUShares: 1, BlkioWeight: 500, Warn: func(w string) { warnings = append(warnings, w) }})
	if !probeHost().unified && *s.Linux.Resources.CPU.Shares != 2 {
		t.Errorf("cpu shares 1 became %d, want 2", *s.Linux.Resources.CPU.Shares)
	}
	if !probeHost().blkioWeight && (s.Linux.Resources.BlockIO != nil || len(warnings) < 2) {
		t.Errorf("blkio weight on a host without it: %+v, warnings %q", s.Linux.Resources.BlockIO, warnings)
	}
	ncpu := strconv.Itoa(runtime.NumCPU())
	for _, tc := range []struct {
		opts Options
		err  string
	}{
		{Options{Memory: 1 << 20}, "Minimum memory limit allowed is 6MB"},
		{Options{MemorySwap: 1 << 30}, "You should always set the Memory limit when using Memoryswap limit, see usage"},
		{Options{Memory: 1 << 30, MemorySwap: 512 << 20}, "Minimum memoryswap limit should be larger than memory limit, see usage"},
		{Options{MemoryReservation: 1 << 20}, "Minimum memory reservation allowed is 6MB"},
		{Options{Memory: 64 << 20, MemoryReservation: 128 << 20}, "Minimum memory limit can not be less than memory reservation limit, see usage"},
		{Options{NanoCPUs: 1e12}, "Range of CPUs is from 0.01 to " + ncpu + ".00, as there are only " + ncpu + " CPUs available"},
		{Options{NanoCPUs: 1e6}, "Range of CPUs is from 0.01 to " + ncpu + ".00, as there are only " + ncpu + " CPUs available"},
		{Options{CpusetCpus: "0-x"}, "Invalid value 0-x for cpuset cpus: invalid format: 0-x"},
		{Options{CpusetMems: "3-1"}, "Invalid value 3-1 for cpuset mems: invalid format: 3-1"},
		{Options{BlkioWeight: 5}, "Range of blkio weight is from 10 to 1000"},
		{Options{OomScoreAdj: 1001}, "Invalid value 1001, range for oom score adj is [-1000, 1000]"},
		{Options{ShmSize: -1}, "SHM size can not be less than 0"},
	} {
		generateErr(t, busyboxImage, tc.opts, tc.err)
	}
}

func TestGenerateUlimitsAndOOMScore(t *testing.T) {
	s := generate(t, busyboxImage, Options{Ulimits: []Ulimit{{"nofile", 100, 200}, {"core", -1, -1}}, OomScoreAdj: 500})
	want := []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 100, Hard: 200}, {Type: "RLIMIT_CORE", Soft: ^uint64(0), Hard: ^uint64(0)}}
	if !reflect.DeepEqual(s.Process.Rlimits, want) || *s.Process.OOMScoreAdj != 500 {
		t.Errorf("rlimits %+v oom %v", s.Process.Rlimits, s.Process.OOMScoreAdj)
	}
	generateErr(t, busyboxImage, Options{Ulimits: []Ulimit{{"as", 1, 1}}}, "invalid ulimit type: as")
}

func TestGenerateMounts(t *testing.T) {
	run, err := ParseTmpfs("/run:size=1m")
	if err != nil {
		t.Fatal(err)
	}
	s := generate(t, busyboxImage, Options{
		ShmSize: 1 << 20,
		Tmpfs:   []MountRequest{run},
		Mounts: []specs.Mount{
			{Destination: "/data/deep/er", Type: "bind", Source: "/b", Options: []string{"rbind", "rprivate"}},
			{Destination: "/data", Type: "bind", Source: "/a", Options: []string{"rbind", "rslave"}},
			{Destination: "/etc/hosts", Type: "bind", Source: "/h", Options: []string{"rbind", "rprivate"}},
		},
	})
	var dests []string
	for _, m := range s.Mounts {
		dests = append(dests, m.Destination)
	}
	want := []string{"/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm", "/data", "/run", "/etc/hosts", "/data/deep/er"}
	if !reflect.DeepEqual(dests, want) {
		t.Errorf("mounts\n  %q\nwant\n  %q", dests, want)
	}
	if m := findMount(s, "/dev/shm"); m.Options[len(m.Options)-1] != "size=1048576" {
		t.Errorf("/dev/shm %+v", m)
	}
	if m := findMount(s, "/run"); !reflect.DeepEqual(m.Options, []string{"noexec", "nosuid", "nodev", "rprivate", "size=1m"}) {
		t.Errorf("/run %+v", m)
	}
	if s.Linux.RootfsPropagation != "rslave" {
		t.Errorf("root propagation %q with an rslave bind", s.Linux.RootfsPropagation)
	}
	// A user mount replaces the default on its path; one on /dev replaces
	// everything under it.
	s = generate(t, busyboxImage, Options{Mounts: []specs.Mount{
		{Destination: "/dev/shm", Type: "bind", Source: "/my/shm", Options: []string{"rbind", "rshared"}},
		{Destination: "/sys/", Type: "bind", Source: "/sys", Options: []string{"rbind", "ro"}},
	}})
	if m := findMount(s, "/dev/shm"); m.Source != "/my/shm" || findMount(s, "/sys").Type != "bind" || s.Linux.RootfsPropagation != "shared" {
		t.Errorf("replaced defaults: %+v, %+v, propagation %q", m, findMount(s, "/sys"), s.Linux.RootfsPropagation)
	}
	s = generate(t, busyboxImage, Options{Mounts: []specs.Mount{{Destination: "/dev", Type: "bind", Source: "/dev", Options: []string{"rbind"}}}})
	for _, m := range s.Mounts {
		if m.Destination == "/dev/pts" || m.Destination == "/dev/shm" || m.Destination == "/dev/mqueue" {
			t.Errorf("default %s kept under a user /dev", m.Destination)
		}
	}
	for _, tc := range []struct {
		opts Options
		err  string
	}{
		{Options{Tmpfs: []MountRequest{run, run}}, "Duplicate mount point: /run"},
		{Options{Tmpfs: []MountRequest{run}, Mounts: []specs.Mount{{Destination: "/run/", Type: "bind", Source: "/x"}}}, "Duplicate mount point: /run"},
		{Options{Mounts: []specs.Mount{{Destination: "rel", Type: "bind", Source: "/x"}}}, "invalid mount path: 'rel' mount path must be absolute"},
		{Options{Tmpfs: []MountRequest{{Type: "bind", Target: "/x", Source: "/y"}}}, "mount on /x is a bind, not a tmpfs"},
		{Options{Tmpfs: []MountRequest{{Type: "tmpfs", Target: "/x", Options: []string{"bind"}}}}, `Invalid tmpfs option ["bind"]`},
	} {
		generateErr(t, busyboxImage, tc.opts, tc.err)
	}
}

func TestGenerateDevices(t *testing.T) {
	s := generate(t, busyboxImage, Options{
		Devices:           []DeviceMapping{{PathOnHost: "/dev/null", PathInContainer: "/dev/mynull", CgroupPermissions: "r"}},
		DeviceCgroupRules: []string{"c 42:* rmw"},
	})
	if len(s.Linux.Devices) != 1 {
		t.Fatalf("devices %+v", s.Linux.Devices)
	}
	d := s.Linux.Devices[0]
	if d.Path != "/dev/mynull" || d.Type != "c" || d.Major != 1 || d.Minor != 3 || *d.FileMode&0o777 == 0 {
		t.Errorf("device %+v", d)
	}
	rules := s.Linux.Resources.Devices
	if n := len(defaultDeviceRules()); len(rules) != n+2 {
		t.Fatalf("rules %+v", rules)
	}
	if r := rules[len(rules)-2]; *r.Major != 1 || *r.Minor != 3 || r.Access != "r" || !r.Allow {
		t.Errorf("--device rule %+v", r)
	}
	if r := rules[len(rules)-1]; *r.Major != 42 || r.Minor != nil || r.Access != "rmw" {
		t.Errorf("--device-cgroup-rule %+v", r)
	}
	generateErr(t, busyboxImage, Options{Devices: []DeviceMapping{{PathOnHost: "/dev/nonexistent", PathInContainer: "/dev/x", CgroupPermissions: "rwm"}}},
		`error gathering device information while adding custom device "/dev/nonexistent": no such file or directory`)
	generateErr(t, busyboxImage, Options{Devices: []DeviceMapping{{PathOnHost: "/etc/hostname", PathInContainer: "/dev/x", CgroupPermissions: "rwm"}}},
		`error gathering device information while adding custom device "/etc/hostname": not a device node`)
	generateErr(t, busyboxImage, Options{DeviceCgroupRules: []string{"c 1 rwm"}}, "invalid device cgroup format 'c 1 rwm'")
}

// A directory given to --device brings every device node below it.
func TestGenerateDeviceDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make device nodes")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, minor := range map[string]uint32{"zero": 5, "sub/null": 3} {
		if err := unix.Mknod(filepath.Join(dir, name), unix.S_IFCHR|0o666, int(unix.Mkdev(1, minor))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notadevice"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := generate(t, busyboxImage, Options{Devices: []DeviceMapping{{PathOnHost: dir, PathInContainer: "/dev/mine", CgroupPermissions: "rw"}}})
	got := map[string]int64{}
	for _, d := range s.Linux.Devices {
		got[d.Path] = d.Minor
	}
	if want := map[string]int64{"/dev/mine/zero": 5, "/dev/mine/sub/null": 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("devices %v, want %v", got, want)
	}
}

func TestGenerateAnnotations(t *testing.T) {
	img := &ocispec.ImageConfig{Cmd: []string{"sh"}, StopSignal: "SIGQUIT"}
	s := generate(t, img, Options{Labels: map[string]string{"a": "label", "b": "label"}, Annotations: map[string]string{"b": "annotation"}})
	want := map[string]string{"a": "label", "b": "annotation", AnnotationStopSignal: "SIGQUIT", AnnotationManager: "hull"}
	if !reflect.DeepEqual(s.Annotations, want) {
		t.Errorf("annotations %v, want %v", s.Annotations, want)
	}
	s = generate(t, img, Options{StopSignal: "rtmin+2"})
	if s.Annotations[AnnotationStopSignal] != "36" {
		t.Errorf("--stop-signal rtmin+2: %q", s.Annotations[AnnotationStopSignal])
	}
	generateErr(t, img, Options{StopSignal: "SIGNOPE"}, "Invalid signal: SIGNOPE")
}
