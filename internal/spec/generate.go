package spec

import (
	"strconv"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/netif"
)

// Options is everything `hull run` and `hull create` accept that shapes the
// container's config.json, already parsed (by this package's parsers where
// a flag has its own syntax). The zero value of a field means "not given":
// Docker's default, or the image's value, applies.
type Options struct {
	// ID is the container's ID (required): the default hostname is its
	// first 12 characters, and it names the cgroup.
	ID string
	// RootfsPath is root.path, and where the image's /etc/passwd and
	// /etc/group are read for User. An absolute path is best: the engine
	// knows where it mounted the rootfs.
	RootfsPath string

	// Entrypoint, when not nil, replaces the image's ENTRYPOINT, and then
	// the image's CMD is not used either (as in Docker). A nil Entrypoint
	// keeps the image's; an empty one or [""] (Docker's --entrypoint "")
	// clears it.
	Entrypoint []string
	// Cmd, when not empty, replaces the image's CMD.
	Cmd []string
	// Env is the user's environment (-e, --env-file), each "NAME=value",
	// or "NAME" to remove NAME; it overrides the image's ENV.
	Env        []string
	WorkingDir string   // default: the image's WORKDIR, then "/"
	User       string   // "uid[:gid]" or "name[:group]"; default the image's USER
	GroupAdd   []string // supplementary groups, names or gids
	Hostname   string   // default: the first 12 characters of ID
	Domainname string
	Tty        bool
	// Init is the host path of an init binary (hull's tini); when set it is
	// mounted read-only at /dev/init and runs the command as its child.
	Init string
	// StopSignal overrides the image's STOPSIGNAL; it is recorded in the
	// org.opencontainers.image.stopSignal annotation.
	StopSignal string

	ReadOnly    bool // a read-only root filesystem
	Privileged  bool
	CapAdd      []string // names with or without CAP_, any case, or ALL
	CapDrop     []string
	SecurityOpt []string // see ParseSecurityOpts

	Memory            int64 // bytes; 0 no limit
	MemorySwap        int64 // memory+swap bytes; 0 twice Memory, -1 unlimited
	MemoryReservation int64
	NanoCPUs          int64 // --cpus, see ParseCPUs
	CPUShares         int64
	CpusetCpus        string
	CpusetMems        string
	PidsLimit         int64 // 0 no limit given; negative unlimited
	BlkioWeight       uint16
	OomKillDisable    bool
	OomScoreAdj       int // 0 leaves hull's own
	Ulimits           []Ulimit

	Devices           []DeviceMapping
	DeviceCgroupRules []string // see ParseDeviceCgroupRule
	Sysctls           map[string]string
	ShmSize           int64 // bytes of /dev/shm; default 64 MiB
	// ShmSource, when set, is a host directory (a tmpfs the engine
	// mounted) bound at /dev/shm instead of a tmpfs of the container's
	// own: how IPC mode "shareable" lets others join ("container:").
	ShmSource string
	// Tmpfs are the --tmpfs and --mount type=tmpfs mounts.
	Tmpfs []MountRequest
	// Mounts are the bind mounts of -v and --mount, resolved by the
	// engine (a volume is a bind of its directory: see
	// MountRequest.Mount), and the engine's own files (/etc/hosts,
	// /etc/hostname, /etc/resolv.conf).
	Mounts []specs.Mount

	Labels       map[string]string // copied into the annotations
	Annotations  map[string]string // --annotation; these win over Labels
	CgroupParent string            // default "/hull"

	// The namespace modes. NetworkMode: "host" shares the host's,
	// "container:<pid path>" another process's, anything else ("", "none",
	// "bridge", ...) gets a new network namespace. PidMode, IpcMode and
	// UTSMode: "" (private), "host" or "container:<pid path>", where the
	// pid path is a process's /proc/<pid> directory (or its ns/<type>
	// file); IpcMode may also be "none" (no /dev/shm), "private" or
	// "shareable". CgroupnsMode: "private" or "host"; by default private
	// on a cgroup v2 host and host on a v1 one, as in Docker.
	NetworkMode, PidMode, IpcMode, UTSMode, CgroupnsMode string
	// NetworkNSPath is the container's own network namespace, made and
	// attached to its networks by the engine before the runtime starts
	// (bridge and user networks). The container joins it by path, yet it
	// counts as a namespace of its own: a hostname may be set, and net.*
	// sysctls and Docker's defaults for them apply.
	NetworkNSPath string

	// Warn, if not nil, is told of what the host cannot do and was
	// therefore dropped, in Docker's words ("Your kernel does not support
	// swap limit capabilities...").
	Warn func(string)
}

// Generate turns an image's configuration and the user's options into the
// config.json that hull's runtime runs, reproducing what Docker's daemon
// puts in the spec it hands to runc (moby's daemon/oci_linux.go and
// oci/defaults.go): the same mounts, masked paths, capabilities, seccomp
// profile, devices, namespaces and cgroup settings. img may be nil for an
// image without a configuration.
//
// Differences from Docker, on purpose: there are no rlimits beyond
// opts.Ulimits (Docker's daemon-wide defaults do not exist here); the
// process's oom_score_adj is left alone unless OomScoreAdj is set
// (lowering it needs CAP_SYS_RESOURCE); /dev/shm is the container's own
// tmpfs rather than a host directory bound in; no AppArmor profile is
// applied by default; --privileged and --cap-add ALL give the capabilities
// hull itself holds rather than every one the kernel knows (see
// allCapabilities).
func Generate(img *ocispec.ImageConfig, opts *Options) (*specs.Spec, error) {
	if opts == nil || opts.ID == "" {
		return nil, invalid("a container ID is required")
	}
	if img == nil {
		img = &ocispec.ImageConfig{}
	}
	g := &generator{img: img, opts: opts, host: probeHost(), spec: defaultSpec()}
	for _, step := range []func() error{
		g.namespaces, g.process, g.security, g.mounts, g.resources, g.devices, g.sysctls, g.annotations,
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return g.spec, nil
}

// generator carries what one step of Generate works out for a later one.
type generator struct {
	img  *ocispec.ImageConfig
	opts *Options
	host host
	spec *specs.Spec

	hostname string   // after defaulting
	ipc      nsMode   // for /dev/shm
	caps     []string // the bounding set
	sec      Security
}

func (g *generator) warn(msg string) {
	if g.opts.Warn != nil {
		g.opts.Warn(msg)
	}
}

// defaultSpec is moby's DefaultLinuxSpec: the mounts, masked and
// read-only paths and device rules of every container, before any option.
func defaultSpec() *specs.Spec {
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{},
		Root:    &specs.Root{},
		Mounts:  defaultMounts(),
		Linux: &specs.Linux{
			MaskedPaths:   DefaultMaskedPaths(),
			ReadonlyPaths: DefaultReadonlyPaths(),
			Resources:     &specs.LinuxResources{},
			Sysctl:        map[string]string{},
		},
	}
}

// DefaultMaskedPaths returns the paths Docker hides from an unprivileged
// container (moby's oci/defaults.go): kernel interfaces that leak host
// information or let a container poke at hardware (CVE-2020-8694 for
// powercap's energy counters).
func DefaultMaskedPaths() []string {
	return []string{
		"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
	}
}

// DefaultReadonlyPaths returns the paths Docker makes read-only in an
// unprivileged container.
func DefaultReadonlyPaths() []string {
	return []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
}

// defaultMounts are Docker's default mounts, in Docker's order. /dev/shm
// gets its size in mounts.
func defaultMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs",
			Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts",
			Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
			Options: []string{"ro", "nosuid", "noexec", "nodev"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm",
			Options: []string{"nosuid", "noexec", "nodev", "mode=1777"}},
	}
}

// Annotations hull sets on a container's config.json.
const (
	// AnnotationStopSignal records the signal that stops the container
	// (the image's STOPSIGNAL or --stop-signal), under the name podman
	// and CRI-O use.
	AnnotationStopSignal = "org.opencontainers.image.stopSignal"
	// AnnotationManager names the engine that made the container, as
	// podman does with "libpod": runtimes and tools use it to tell whose
	// container they are looking at.
	AnnotationManager = "io.container.manager"
)

// annotations copies the labels, then --annotation (which wins), then
// hull's own.
func (g *generator) annotations() error {
	a := map[string]string{}
	for k, v := range g.opts.Labels {
		a[k] = v
	}
	for k, v := range g.opts.Annotations {
		a[k] = v
	}
	stop := g.opts.StopSignal
	if stop == "" {
		stop = g.img.StopSignal
	}
	if stop != "" {
		sig, err := ParseSignal(stop)
		if err != nil {
			return err
		}
		name := unix.SignalName(sig)
		if name == "" {
			name = strconv.Itoa(int(sig))
		}
		a[AnnotationStopSignal] = name
	}
	a[AnnotationManager] = "hull"
	if g.opts.NetworkMode == "none" {
		a[netif.LoopbackAnnotation] = "up"
	}
	g.spec.Annotations = a
	return nil
}
