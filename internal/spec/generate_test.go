package spec

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/capabilities"
	"github.com/hullrt/hull/internal/seccomp"
)

const testID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

var busyboxImage = &ocispec.ImageConfig{
	Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	Cmd: []string{"sh"},
}

// generate runs Generate with the test ID filled in and fails on error.
func generate(t *testing.T, img *ocispec.ImageConfig, opts Options) *specs.Spec {
	t.Helper()
	if opts.ID == "" {
		opts.ID = testID
	}
	s, err := Generate(img, &opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return s
}

// generateErr runs Generate and checks its error.
func generateErr(t *testing.T, img *ocispec.ImageConfig, opts Options, want string) {
	t.Helper()
	if opts.ID == "" {
		opts.ID = testID
	}
	_, err := Generate(img, &opts)
	checkErr(t, "Generate", err, want)
}

func findMount(s *specs.Spec, dest string) *specs.Mount {
	for i := range s.Mounts {
		if s.Mounts[i].Destination == dest {
			return &s.Mounts[i]
		}
	}
	return nil
}

func namespaceTypes(s *specs.Spec) []specs.LinuxNamespaceType {
	var out []specs.LinuxNamespaceType
	for _, ns := range s.Linux.Namespaces {
		out = append(out, ns.Type)
	}
	return out
}

// With no options a container looks as Docker makes it.
func TestGenerateDefaults(t *testing.T) {
	s := generate(t, busyboxImage, Options{})
	p := s.Process
	if !reflect.DeepEqual(p.Args, []string{"sh"}) || p.Cwd != "/" || p.Terminal || p.NoNewPrivileges {
		t.Errorf("process: args %q cwd %q terminal %v nnp %v", p.Args, p.Cwd, p.Terminal, p.NoNewPrivileges)
	}
	wantEnv := []string{"PATH=" + defaultPath, "HOSTNAME=0123456789ab", "HOME=/"}
	if !reflect.DeepEqual(p.Env, wantEnv) {
		t.Errorf("env %q, want %q", p.Env, wantEnv)
	}
	if p.User.UID != 0 || p.User.GID != 0 || p.Rlimits != nil || p.OOMScoreAdj != nil || p.ApparmorProfile != "" {
		t.Errorf("process: user %+v rlimits %v oom %v apparmor %q", p.User, p.Rlimits, p.OOMScoreAdj, p.ApparmorProfile)
	}
	def := capabilities.Default()
	if c := p.Capabilities; !reflect.DeepEqual(c.Bounding, def) || !reflect.DeepEqual(c.Effective, def) ||
		!reflect.DeepEqual(c.Permitted, def) || c.Inheritable != nil || c.Ambient != nil {
		t.Errorf("capabilities %+v", c)
	}
	if !reflect.DeepEqual(s.Linux.Seccomp, seccomp.DefaultProfileFor(def)) {
		t.Error("seccomp is not Docker's default profile for the default capabilities")
	}
	if !reflect.DeepEqual(s.Linux.MaskedPaths, DefaultMaskedPaths()) || !slices.Contains(s.Linux.MaskedPaths, "/proc/kcore") ||
		!reflect.DeepEqual(s.Linux.ReadonlyPaths, DefaultReadonlyPaths()) {
		t.Errorf("masked %q, read-only %q", s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
	}
	if s.Hostname != "0123456789ab" || s.Linux.CgroupsPath != "/hull/"+testID || s.Root.Path != "rootfs" || s.Root.Readonly {
		t.Errorf("hostname %q cgroups path %q root %+v", s.Hostname, s.Linux.CgroupsPath, s.Root)
	}
	wantNS := []specs.LinuxNamespaceType{specs.MountNamespace, specs.NetworkNamespace, specs.UTSNamespace, specs.PIDNamespace, specs.IPCNamespace}
	if probeHost().unified {
		wantNS = append(wantNS, specs.CgroupNamespace)
	}
	if got := namespaceTypes(s); !reflect.DeepEqual(got, wantNS) {
		t.Errorf("namespaces %q, want %q", got, wantNS)
	}
	if want := map[string]string{"net.ipv4.ping_group_range": "0 2147483647", "net.ipv4.ip_unprivileged_port_start": "0"}; !reflect.DeepEqual(s.Linux.Sysctl, want) {
		t.Errorf("sysctls %v", s.Linux.Sysctl)
	}
	if !reflect.DeepEqual(s.Linux.Resources.Devices, defaultDeviceRules()) || s.Linux.Devices != nil {
		t.Errorf("device rules %+v, devices %+v", s.Linux.Resources.Devices, s.Linux.Devices)
	}
	r := s.Linux.Resources
	if r.Memory != nil || r.CPU != nil || r.Pids != nil || r.BlockIO != nil {
		t.Errorf("resources %+v", r)
	}
	if s.Annotations[AnnotationManager] != "hull" || len(s.Annotations) != 1 {
		t.Errorf("annotations %v", s.Annotations)
	}
	checkDefaultMounts(t, s)
}

func checkDefaultMounts(t *testing.T, s *specs.Spec) {
	t.Helper()
	var dests []string
	for _, m := range s.Mounts {
		dests = append(dests, m.Destination)
	}
	if want := []string{"/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"}; !reflect.DeepEqual(dests, want) {
		t.Errorf("mounts %q, want %q", dests, want)
	}
	for dest, want := range map[string]specs.Mount{
		"/dev/pts": {Destination: "/dev/pts", Type: "devpts", Source: "devpts",
			Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		"/dev/shm": {Destination: "/dev/shm", Type: "tmpfs", Source: "shm",
			Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=67108864"}},
		"/sys":           {Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		"/sys/fs/cgroup": {Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro", "nosuid", "noexec", "nodev"}},
	} {
		if got := findMount(s, dest); got == nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("mount %s = %+v, want %+v", dest, got, want)
		}
	}
}

// --privileged: every capability and host device, no seccomp, nothing
// masked, /sys and the cgroups writable.
func TestGeneratePrivileged(t *testing.T) {
	s := generate(t, busyboxImage, Options{Privileged: true, CapDrop: []string{"ALL"}, SecurityOpt: []string{"seccomp=builtin"}})
	all := allCapabilities()
	if c := s.Process.Capabilities; !reflect.DeepEqual(c.Bounding, all) || !reflect.DeepEqual(c.Effective, all) {
		t.Errorf("capabilities %+v, want all %q", c, all)
	}
	if s.Linux.Seccomp != nil || s.Linux.MaskedPaths != nil || s.Linux.ReadonlyPaths != nil {
		t.Errorf("seccomp %v masked %q read-only %q", s.Linux.Seccomp != nil, s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
	}
	if want := []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}; !reflect.DeepEqual(s.Linux.Resources.Devices, want) {
		t.Errorf("device rules %+v", s.Linux.Resources.Devices)
	}
	var null *specs.LinuxDevice
	for i, d := range s.Linux.Devices {
		if d.Path == "/dev/null" {
			null = &s.Linux.Devices[i]
		}
		if strings.HasPrefix(d.Path, "/dev/pts/") || d.Path == "/dev/console" {
			t.Errorf("host device %s given to the container", d.Path)
		}
	}
	if null == nil || null.Type != "c" || null.Major != 1 || null.Minor != 3 {
		t.Errorf("/dev/null: %+v", null)
	}
	for _, dest := range []string{"/sys", "/sys/fs/cgroup"} {
		if m := findMount(s, dest); m == nil || slices.Contains(m.Options, "ro") {
			t.Errorf("%s: %+v", dest, m)
		}
	}
}

func TestGenerateCapabilities(t *testing.T) {
	s := generate(t, busyboxImage, Options{CapDrop: []string{"ALL"}})
	if c := s.Process.Capabilities; len(c.Bounding)+len(c.Effective)+len(c.Permitted) != 0 {
		t.Errorf("--cap-drop ALL: %+v", c)
	}
	if !reflect.DeepEqual(s.Linux.Seccomp, seccomp.DefaultProfileFor(nil)) {
		t.Error("--cap-drop ALL: seccomp profile not made for no capabilities")
	}
	s = generate(t, busyboxImage, Options{CapAdd: []string{"sys_admin"}, CapDrop: []string{"CAP_NET_RAW"}})
	caps := s.Process.Capabilities.Bounding
	if !slices.Contains(caps, "CAP_SYS_ADMIN") || slices.Contains(caps, "CAP_NET_RAW") {
		t.Errorf("--cap-add sys_admin --cap-drop CAP_NET_RAW: %q", caps)
	}
	if !reflect.DeepEqual(s.Linux.Seccomp, seccomp.DefaultProfileFor(caps)) {
		t.Error("seccomp profile not made for the container's capabilities")
	}
	generateErr(t, busyboxImage, Options{CapAdd: []string{"FLY"}}, `unknown capability: "CAP_FLY"`)
	// A user other than root gets the bounding set only.
	s = generate(t, busyboxImage, Options{User: "1000:1000", CapAdd: []string{"NET_ADMIN"}})
	if c := s.Process.Capabilities; !slices.Contains(c.Bounding, "CAP_NET_ADMIN") || c.Effective != nil || c.Permitted != nil {
		t.Errorf("non-root capabilities %+v", c)
	}
}

func TestGenerateSecurityOpts(t *testing.T) {
	s := generate(t, busyboxImage, Options{SecurityOpt: []string{"no-new-privileges", "seccomp=unconfined", "systempaths=unconfined",
		"label=disable", "apparmor=unconfined", "writable-cgroups=true"}})
	if !s.Process.NoNewPrivileges || s.Linux.Seccomp != nil || s.Linux.MaskedPaths != nil || s.Linux.ReadonlyPaths != nil {
		t.Errorf("nnp %v seccomp %v masked %q ro %q", s.Process.NoNewPrivileges, s.Linux.Seccomp != nil, s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
	}
	if m := findMount(s, "/sys/fs/cgroup"); slices.Contains(m.Options, "ro") {
		t.Errorf("writable-cgroups: %+v", m)
	}
	s = generate(t, busyboxImage, Options{SecurityOpt: []string{`seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[` +
		`{"names":["mount"],"action":"SCMP_ACT_ERRNO","excludes":{"caps":["CAP_SYS_ADMIN"]}}]}`}})
	if sc := s.Linux.Seccomp; sc == nil || sc.DefaultAction != specs.ActAllow || len(sc.Syscalls) != 1 {
		t.Errorf("custom profile: %+v", sc)
	}
	generateErr(t, busyboxImage, Options{SecurityOpt: []string{"bogus"}}, `invalid --security-opt: "bogus"`)
}

func TestGenerateReadOnlyAndRoot(t *testing.T) {
	root := t.TempDir()
	s := generate(t, busyboxImage, Options{ReadOnly: true, RootfsPath: root})
	if !s.Root.Readonly || s.Root.Path != root {
		t.Errorf("root %+v", s.Root)
	}
	_, err := Generate(busyboxImage, &Options{})
	checkErr(t, "no ID", err, "a container ID is required")
	if s := generate(t, nil, Options{Cmd: []string{"true"}}); !reflect.DeepEqual(s.Process.Args, []string{"true"}) {
		t.Errorf("nil image: args %q", s.Process.Args)
	}
}

// Docker's rules for ENTRYPOINT and CMD.
func TestGenerateArgs(t *testing.T) {
	img := &ocispec.ImageConfig{Entrypoint: []string{"/entry", "-x"}, Cmd: []string{"default", "cmd"}}
	for _, tc := range []struct {
		name       string
		img        *ocispec.ImageConfig
		entrypoint []string
		cmd        []string
		init       string
		want       []string
		err        string
	}{
		{name: "image's", img: img, want: []string{"/entry", "-x", "default", "cmd"}},
		{name: "cmd replaces CMD", img: img, cmd: []string{"mine"}, want: []string{"/entry", "-x", "mine"}},
		{name: "entrypoint drops CMD", img: img, entrypoint: []string{"/other"}, want: []string{"/other"}},
		{name: "both", img: img, entrypoint: []string{"/other"}, cmd: []string{"a"}, want: []string{"/other", "a"}},
		{name: "empty entrypoint with cmd", img: img, entrypoint: []string{""}, cmd: []string{"sh"}, want: []string{"sh"}},
		{name: "empty entrypoint alone", img: img, entrypoint: []string{""}, err: "no command specified"},
		{name: "cleared entrypoint", img: img, entrypoint: []string{}, cmd: []string{"sh"}, want: []string{"sh"}},
		{name: "nothing at all", img: &ocispec.ImageConfig{}, err: "no command specified"},
		{name: "init", img: img, init: "/usr/libexec/hull-init", want: []string{"/dev/init", "--", "/entry", "-x", "default", "cmd"}},
	} {
		opts := Options{ID: testID, Entrypoint: tc.entrypoint, Cmd: tc.cmd, Init: tc.init}
		s, err := Generate(tc.img, &opts)
		if checkErr(t, tc.name, err, tc.err) && !reflect.DeepEqual(s.Process.Args, tc.want) {
			t.Errorf("%s: args %q, want %q", tc.name, s.Process.Args, tc.want)
		}
	}
	s := generate(t, img, Options{Init: "/usr/libexec/hull-init"})
	want := specs.Mount{Destination: "/dev/init", Type: "bind", Source: "/usr/libexec/hull-init", Options: []string{"bind", "ro"}}
	if m := findMount(s, "/dev/init"); m == nil || !reflect.DeepEqual(*m, want) {
		t.Errorf("init mount %+v", m)
	}
}

// The image's ENV and the user's merge as in Docker: the user's win, a
// name alone unsets, PATH and HOSTNAME come first and TERM with a tty.
func TestGenerateEnv(t *testing.T) {
	img := &ocispec.ImageConfig{Cmd: []string{"sh"}, Env: []string{"PATH=/img/bin", "A=image", "B=image", "D=image"}}
	s := generate(t, img, Options{Tty: true, Hostname: "box", Env: []string{"B=user", "C=user", "A", "E=x=y"}})
	want := []string{"PATH=/img/bin", "HOSTNAME=box", "TERM=xterm", "B=user", "C=user", "E=x=y", "D=image", "HOME=/"}
	if !reflect.DeepEqual(s.Process.Env, want) {
		t.Errorf("env\n  %q\nwant\n  %q", s.Process.Env, want)
	}
	s = generate(t, img, Options{Env: []string{"HOME=/mine", "PATH", "HOSTNAME=set", "TERM=vt100"}})
	want = []string{"HOSTNAME=set", "HOME=/mine", "TERM=vt100", "A=image", "B=image", "D=image"}
	if !reflect.DeepEqual(s.Process.Env, want) {
		t.Errorf("env\n  %q\nwant\n  %q", s.Process.Env, want)
	}
}

func TestGenerateUserAndWorkingDir(t *testing.T) {
	root := newRootfs(t, testPasswd, testGroup)
	img := &ocispec.ImageConfig{Cmd: []string{"sh"}, User: "alice", WorkingDir: "/home/alice/"}
	s := generate(t, img, Options{RootfsPath: root, GroupAdd: []string{"video"}})
	if u := s.Process.User; u.UID != 1000 || u.GID != 1000 || !reflect.DeepEqual(u.AdditionalGids, []uint32{1000, 27, 100, 44}) {
		t.Errorf("image's user: %+v", u)
	}
	if s.Process.Cwd != "/home/alice" || !slices.Contains(s.Process.Env, "HOME=/home/alice") {
		t.Errorf("cwd %q env %q", s.Process.Cwd, s.Process.Env)
	}
	s = generate(t, img, Options{RootfsPath: root, User: "root", WorkingDir: "/srv"})
	if s.Process.User.UID != 0 || s.Process.Cwd != "/srv" || !slices.Contains(s.Process.Env, "HOME=/root") {
		t.Errorf("--user root -w /srv: %+v %q %q", s.Process.User, s.Process.Cwd, s.Process.Env)
	}
	generateErr(t, img, Options{RootfsPath: root, User: "mallory"}, "unable to find user mallory: no matching entries in passwd file")
	generateErr(t, img, Options{User: "alice"}, "unable to find user alice: no matching entries in passwd file")
	generateErr(t, img, Options{RootfsPath: root, WorkingDir: "srv"}, "the working directory 'srv' is invalid, it needs to be an absolute path")
}
