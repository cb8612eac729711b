package cli

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"

	"github.com/hullrt/hull/internal/engine"
	"github.com/hullrt/hull/internal/spec"
)

// createRequest turns run's and create's options into Docker's create
// request: the image, the command, a container.Config and a
// container.HostConfig, each value checked by the parser Docker's flag
// would use, so a mistake is reported before anything is made.
func createRequest(o *runOptions, img string, cmd []string) (engine.CreateRequest, error) {
	cfg, err := containerConfig(o, img, cmd)
	if err != nil {
		return engine.CreateRequest{}, err
	}
	hc := &container.HostConfig{
		AutoRemove: o.rm, ReadonlyRootfs: o.readOnly, Privileged: o.privileged,
		CapAdd: o.capAdd, CapDrop: o.capDrop, SecurityOpt: o.securityOpt, GroupAdd: o.groupAdd,
		VolumesFrom: o.volumesFrom, ExtraHosts: o.addHosts, DNSSearch: o.dnsSearch, DNSOptions: o.dnsOptions,
		NetworkMode: container.NetworkMode(o.network), PidMode: container.PidMode(o.pid),
		IpcMode: container.IpcMode(o.ipc), UTSMode: container.UTSMode(o.uts),
		CgroupnsMode: container.CgroupnsMode(o.cgroupns), OomScoreAdj: o.oomScoreAdj,
		ContainerIDFile: o.cidfile, ConsoleSize: o.consoleSize,
	}
	if o.set("init") {
		hc.Init = &o.init
	}
	steps := []func(*runOptions, *container.HostConfig) error{
		setResources, setMounts, setLimits, setRestart, setLogging, setDNS,
	}
	for _, step := range steps {
		if err := step(o, hc); err != nil {
			return engine.CreateRequest{}, err
		}
	}
	if err := setPorts(o, cfg, hc); err != nil {
		return engine.CreateRequest{}, err
	}
	nc, err := networkingConfig(o, hc)
	if err != nil {
		return engine.CreateRequest{}, err
	}
	return engine.CreateRequest{Name: o.name, Config: cfg, HostConfig: hc, NetworkingConfig: nc}, nil
}

// containerConfig is the portable half of the request.
func containerConfig(o *runOptions, img string, cmd []string) (*container.Config, error) {
	cfg := &container.Config{
		Image: img, Cmd: cmd, Hostname: o.hostname, Domainname: o.domainname, User: o.user,
		WorkingDir: o.workdir, Tty: o.tty, OpenStdin: o.interactive, StopSignal: o.stopSignal,
		AttachStdin: o.interactive && !o.detach, AttachStdout: !o.detach, AttachStderr: !o.detach,
	}
	// Docker closes the container's stdin when the attached client's ends.
	cfg.StdinOnce = cfg.AttachStdin
	if o.workdir != "" && !path.IsAbs(o.workdir) {
		return nil, fmt.Errorf("the working directory '%s' is invalid, it needs to be an absolute path", o.workdir)
	}
	if o.set("entrypoint") {
		cfg.Entrypoint = []string{o.entrypoint}
	}
	if o.set("stop-timeout") {
		cfg.StopTimeout = &o.stopTimeout
	}
	if o.stopSignal != "" {
		if _, err := spec.ParseSignal(o.stopSignal); err != nil {
			return nil, err
		}
	}
	var err error
	if cfg.Env, err = envList(o.envFiles, o.env); err != nil {
		return nil, err
	}
	if cfg.Labels, err = labelMap(o.labelFiles, o.labels); err != nil {
		return nil, err
	}
	return cfg, nil
}

// envList reads --env-file files, then -e values, in Docker's order: a
// later value of a name wins when the container starts.
func envList(files, values []string) ([]string, error) {
	var env []string
	for _, f := range files {
		vars, err := spec.ParseEnvFile(f)
		if err != nil {
			return nil, err
		}
		env = append(env, vars...)
	}
	for _, v := range values {
		kv, err := spec.ParseEnv(v)
		if err != nil {
			return nil, err
		}
		env = append(env, kv)
	}
	return env, nil
}

// labelMap reads --label-file files (one label a line, # comments), then
// --label values.
func labelMap(files, values []string) (map[string]string, error) {
	var all []string
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				all = append(all, l)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
	}
	all = append(all, values...)
	if len(all) == 0 {
		return nil, nil
	}
	return spec.ParseLabels(all)
}

// setResources reads the cgroup limits.
func setResources(o *runOptions, hc *container.HostConfig) error {
	r := &hc.Resources
	var err error
	if r.Memory, err = optionalBytes(o.memory, spec.ParseBytes); err != nil {
		return fmt.Errorf("invalid argument %q for \"-m, --memory\" flag: %w", o.memory, err)
	}
	if r.MemorySwap, err = optionalBytes(o.memorySwap, spec.ParseMemorySwap); err != nil {
		return fmt.Errorf("invalid argument %q for \"--memory-swap\" flag: %w", o.memorySwap, err)
	}
	if r.MemoryReservation, err = optionalBytes(o.memoryReservation, spec.ParseBytes); err != nil {
		return fmt.Errorf("invalid argument %q for \"--memory-reservation\" flag: %w", o.memoryReservation, err)
	}
	if hc.ShmSize, err = optionalBytes(o.shmSize, spec.ParseBytes); err != nil {
		return fmt.Errorf("invalid argument %q for \"--shm-size\" flag: %w", o.shmSize, err)
	}
	if o.cpus != "" {
		if r.NanoCPUs, err = spec.ParseCPUs(o.cpus); err != nil {
			return fmt.Errorf("invalid argument %q for \"--cpus\" flag: %w", o.cpus, err)
		}
		if o.cpuQuota != 0 || o.cpuPeriod != 0 {
			return fmt.Errorf("conflicting options: Nano CPUs and CPU Period cannot both be set")
		}
	}
	r.CPUShares, r.CPUPeriod, r.CPUQuota = int64(o.cpuShares), int64(o.cpuPeriod), int64(o.cpuQuota)
	r.CpusetCpus, r.CpusetMems, r.CgroupParent = o.cpusetCpus, o.cpusetMems, o.cgroupParent
	r.BlkioWeight = uint16(o.blkioWeight)
	if o.set("pids-limit") {
		limit := int64(o.pidsLimit)
		r.PidsLimit = &limit
	}
	if o.set("oom-kill-disable") {
		r.OomKillDisable = &o.oomKillDisable
	}
	return nil
}

// optionalBytes parses a size flag that was perhaps not given.
func optionalBytes(s string, parse func(string) (int64, error)) (int64, error) {
	if s == "" {
		return 0, nil
	}
	return parse(s)
}

// setMounts checks -v, --mount and --tmpfs. -v values go on as Docker's
// Binds (the engine reads them with the same parser); --mount becomes
// Docker's mount.Mount.
func setMounts(o *runOptions, hc *container.HostConfig) error {
	for _, v := range o.volumes {
		if _, err := spec.ParseVolume(v); err != nil {
			return err
		}
		hc.Binds = append(hc.Binds, v)
	}
	for _, v := range o.mounts {
		r, err := spec.ParseMount(v)
		if err != nil {
			return fmt.Errorf("invalid argument %q for \"--mount\" flag: %w", v, err)
		}
		hc.Mounts = append(hc.Mounts, apiMount(r))
	}
	for _, v := range o.tmpfs {
		r, err := spec.ParseTmpfs(v)
		if err != nil {
			return err
		}
		if hc.Tmpfs == nil {
			hc.Tmpfs = map[string]string{}
		}
		_, opts, _ := strings.Cut(v, ":")
		hc.Tmpfs[r.Target] = opts
	}
	return nil
}

// apiMount is a parsed --mount in the Docker API's shape.
func apiMount(r spec.MountRequest) mount.Mount {
	m := mount.Mount{Type: mount.Type(r.Type), Source: r.Source, Target: r.Target, ReadOnly: r.ReadOnly}
	switch r.Type {
	case "bind":
		if r.Propagation != "" {
			m.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(r.Propagation)}
		}
	case "volume":
		if r.NoCopy || r.VolumeLabels != nil || r.VolumeOptions != nil {
			m.VolumeOptions = &mount.VolumeOptions{NoCopy: r.NoCopy, Labels: r.VolumeLabels}
			if r.VolumeOptions != nil {
				m.VolumeOptions.DriverConfig = &mount.Driver{Name: "local", Options: r.VolumeOptions}
			}
		}
	case "tmpfs":
		m.TmpfsOptions = tmpfsOptions(r.Options)
	}
	return m
}

// tmpfsOptions reads back the size and mode ParseMount put among a tmpfs's
// options.
func tmpfsOptions(opts []string) *mount.TmpfsOptions {
	t := &mount.TmpfsOptions{}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "size":
			t.SizeBytes, _ = spec.ParseBytes(v)
		case "mode":
			mode, _ := strconv.ParseUint(v, 8, 32)
			t.Mode = os.FileMode(mode)
		}
	}
	if t.SizeBytes == 0 && t.Mode == 0 {
		return nil
	}
	return t
}

// setLimits reads --ulimit, --device, --device-cgroup-rule and --sysctl.
func setLimits(o *runOptions, hc *container.HostConfig) error {
	for _, v := range o.ulimits {
		u, err := spec.ParseUlimit(v)
		if err != nil {
			return err
		}
		hc.Ulimits = append(hc.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	for _, v := range o.devices {
		d, err := spec.ParseDevice(v)
		if err != nil {
			return err
		}
		hc.Devices = append(hc.Devices, container.DeviceMapping{PathOnHost: d.PathOnHost,
			PathInContainer: d.PathInContainer, CgroupPermissions: d.CgroupPermissions})
	}
	for _, v := range o.deviceRules {
		if _, err := spec.ParseDeviceCgroupRule(v); err != nil {
			return err
		}
		hc.DeviceCgroupRules = append(hc.DeviceCgroupRules, v)
	}
	for _, v := range o.sysctls {
		name, value, err := spec.ParseSysctl(v)
		if err != nil {
			return err
		}
		if hc.Sysctls == nil {
			hc.Sysctls = map[string]string{}
		}
		hc.Sysctls[name] = value
	}
	return nil
}

// setRestart reads --restart; --rm with a restart policy is Docker's
// conflict too.
func setRestart(o *runOptions, hc *container.HostConfig) error {
	if o.restart == "" {
		return nil
	}
	p, err := spec.ParseRestart(o.restart)
	if err != nil {
		return err
	}
	if o.rm && p.Name != "no" {
		return fmt.Errorf("conflicting options: cannot specify both --restart and --rm")
	}
	hc.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyMode(p.Name), MaximumRetryCount: p.MaximumRetryCount}
	return nil
}

// setLogging reads --log-driver and --log-opt: json-file (the default)
// and none are the drivers hull has.
func setLogging(o *runOptions, hc *container.HostConfig) error {
	switch o.logDriver {
	case "", "json-file", "none":
	default:
		return fmt.Errorf("logging driver %q is not supported: use json-file or none", o.logDriver)
	}
	hc.LogConfig.Type = o.logDriver
	for _, v := range o.logOpts {
		k, val, ok := strings.Cut(v, "=")
		if !ok {
			return fmt.Errorf("invalid key value pair format in log options: %s", v)
		}
		switch k {
		case "max-size", "max-file", "compress", "labels", "env", "tag", "mode", "max-buffer-size":
		default:
			return fmt.Errorf("unknown log opt '%s' for json-file log driver", k)
		}
		if hc.LogConfig.Config == nil {
			hc.LogConfig.Config = map[string]string{}
		}
		hc.LogConfig.Config[k] = val
	}
	if hc.LogConfig.Type == "none" && len(hc.LogConfig.Config) > 0 {
		return fmt.Errorf("log options are not supported by the none logging driver")
	}
	return nil
}

// setDNS reads --dns addresses and checks --add-host's "host:ip" form.
func setDNS(o *runOptions, hc *container.HostConfig) error {
	for _, v := range o.dns {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return fmt.Errorf("%s is not an ip address", v)
		}
		hc.DNS = append(hc.DNS, a)
	}
	for i, h := range o.addHosts {
		// Docker accepts "host=ip" as well as "host:ip".
		if name, ip, ok := strings.Cut(h, "="); ok {
			h = name + ":" + ip
			hc.ExtraHosts[i] = h
		}
		name, ip, ok := strings.Cut(h, ":")
		if _, err := netip.ParseAddr(strings.Trim(ip, "[]")); !ok || name == "" || err != nil {
			return fmt.Errorf("invalid argument %q for \"--add-host\" flag: invalid IP address in add-host: %q", h, ip)
		}
	}
	return nil
}
