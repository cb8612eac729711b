package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/hullrt/hull/internal/engine"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// runOptions are the flags `hull run` and `hull create` share, spelled as
// Docker spells them. Sizes, signals and the like stay strings here; the
// spec package's parsers read them in createRequest.
type runOptions struct {
	detachKeys                             []byte        // run only
	attach                                 attachStreams // run only
	name                                   string
	detach, interactive, tty, rm           bool
	env, envFiles, labels, labelFiles      []string
	workdir, user, hostname, domainname    string
	entrypoint                             string
	volumes, mounts, tmpfs, volumesFrom    []string
	readOnly, privileged, init             bool
	memory, memorySwap, memoryReservation  string
	cpus, cpusetCpus, cpusetMems, shmSize  string
	cpuShares, cpuPeriod, cpuQuota         int
	pidsLimit, blkioWeight, oomScoreAdj    int
	oomKillDisable                         bool
	capAdd, capDrop, securityOpt, groupAdd []string
	restart, stopSignal                    string
	stopTimeout                            int
	ulimits, devices, deviceRules, sysctls []string
	network, pid, ipc, uts, cgroupns       string
	cgroupParent                           string
	addHosts, dns, dnsSearch, dnsOptions   []string
	logDriver                              string
	logOpts                                []string
	cidfile, pull                          string
	sigProxy                               bool
	consoleSize                            [2]uint // rows, columns of hull's terminal, with -t
	publish, expose, networkAliases        []string
	publishAll                             bool
	ip                                     string
	set                                    func(long string) bool // whether a flag was given
}

// addRunFlags registers run's and create's flags on fs.
func addRunFlags(fs *flagSet, o *runOptions) {
	o.init, o.sigProxy, o.pull = true, true, "missing"
	fs.String(&o.name, "", "name", "Assign a name to the container")
	fs.Bool(&o.interactive, "i", "interactive", "Keep STDIN open even if not attached")
	fs.Bool(&o.tty, "t", "tty", "Allocate a pseudo-TTY")
	fs.Bool(&o.rm, "", "rm", "Automatically remove the container and its anonymous volumes when it exits")
	fs.Strings(&o.env, "e", "env", "Set environment variables")
	fs.Strings(&o.envFiles, "", "env-file", "Read in a file of environment variables")
	fs.Strings(&o.labels, "l", "label", "Set meta data on a container")
	fs.Strings(&o.labelFiles, "", "label-file", "Read in a line delimited file of labels")
	fs.String(&o.workdir, "w", "workdir", "Working directory inside the container")
	fs.String(&o.user, "u", "user", "Username or UID (format: <name|uid>[:<group|gid>])")
	fs.Strings(&o.groupAdd, "", "group-add", "Add additional groups to join")
	fs.String(&o.hostname, "h", "hostname", "Container host name")
	fs.String(&o.domainname, "", "domainname", "Container NIS domain name")
	fs.String(&o.entrypoint, "", "entrypoint", "Overwrite the default ENTRYPOINT of the image")
	fs.Strings(&o.volumes, "v", "volume", "Bind mount a volume")
	fs.Strings(&o.mounts, "", "mount", "Attach a filesystem mount to the container")
	fs.Strings(&o.tmpfs, "", "tmpfs", "Mount a tmpfs directory")
	fs.Strings(&o.volumesFrom, "", "volumes-from", "Mount volumes from the specified container(s)")
	fs.Bool(&o.readOnly, "", "read-only", "Mount the container's root filesystem as read only")
	fs.Bool(&o.privileged, "", "privileged", "Give extended privileges to this container")
	fs.Bool(&o.init, "", "init", "Run hull-init as PID 1 to forward signals and reap processes (default true)")
	addResourceFlags(fs, o)
	fs.Strings(&o.capAdd, "", "cap-add", "Add Linux capabilities")
	fs.Strings(&o.capDrop, "", "cap-drop", "Drop Linux capabilities")
	fs.Strings(&o.securityOpt, "", "security-opt", "Security Options")
	fs.String(&o.restart, "", "restart", `Restart policy to apply when a container exits (default "no")`)
	fs.String(&o.stopSignal, "", "stop-signal", "Signal to stop the container")
	fs.Int(&o.stopTimeout, "", "stop-timeout", "Timeout (in seconds) to stop a container")
	fs.Strings(&o.ulimits, "", "ulimit", "Ulimit options")
	fs.Strings(&o.devices, "", "device", "Add a host device to the container")
	fs.Strings(&o.deviceRules, "", "device-cgroup-rule", "Add a rule to the cgroup allowed devices list")
	fs.Strings(&o.sysctls, "", "sysctl", "Sysctl options")
	addNamespaceFlags(fs, o)
	fs.String(&o.logDriver, "", "log-driver", "Logging driver for the container (json-file or none)")
	fs.Strings(&o.logOpts, "", "log-opt", "Log driver options")
	fs.String(&o.cidfile, "", "cidfile", "Write the container ID to the file")
	fs.String(&o.pull, "", "pull", `Pull image before creating ("always", "missing", "never")`)
	addPublishFlags(fs, o)
	o.set = fs.isSet
}

func addResourceFlags(fs *flagSet, o *runOptions) {
	fs.String(&o.memory, "m", "memory", "Memory limit")
	fs.String(&o.memorySwap, "", "memory-swap", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
	fs.String(&o.memoryReservation, "", "memory-reservation", "Memory soft limit")
	fs.String(&o.cpus, "", "cpus", "Number of CPUs")
	fs.Int(&o.cpuShares, "c", "cpu-shares", "CPU shares (relative weight)")
	fs.Int(&o.cpuPeriod, "", "cpu-period", "Limit CPU CFS (Completely Fair Scheduler) period")
	fs.Int(&o.cpuQuota, "", "cpu-quota", "Limit CPU CFS (Completely Fair Scheduler) quota")
	fs.String(&o.cpusetCpus, "", "cpuset-cpus", "CPUs in which to allow execution (0-3, 0,1)")
	fs.String(&o.cpusetMems, "", "cpuset-mems", "MEMs in which to allow execution (0-3, 0,1)")
	fs.Int(&o.pidsLimit, "", "pids-limit", "Tune container pids limit (set -1 for unlimited)")
	fs.Int(&o.blkioWeight, "", "blkio-weight", "Block IO (relative weight), between 10 and 1000, or 0 to disable")
	fs.Bool(&o.oomKillDisable, "", "oom-kill-disable", "Disable OOM Killer")
	fs.Int(&o.oomScoreAdj, "", "oom-score-adj", "Tune host's OOM preferences (-1000 to 1000)")
	fs.String(&o.shmSize, "", "shm-size", "Size of /dev/shm")
}

func addNamespaceFlags(fs *flagSet, o *runOptions) {
	fs.String(&o.network, "", "network", `Connect a container to a network ("bridge", "none", "host", "container:NAME" or a network's name)`)
	fs.String(&o.network, "", "net", "Connect a container to a network (same as --network)")
	fs.String(&o.pid, "", "pid", "PID namespace to use")
	fs.String(&o.ipc, "", "ipc", "IPC mode to use")
	fs.String(&o.uts, "", "uts", "UTS namespace to use")
	fs.String(&o.cgroupns, "", "cgroupns", `Cgroup namespace to use ("host" or "private")`)
	fs.String(&o.cgroupParent, "", "cgroup-parent", "Optional parent cgroup for the container")
	fs.Strings(&o.addHosts, "", "add-host", "Add a custom host-to-IP mapping (host:ip)")
	fs.Strings(&o.dns, "", "dns", "Set custom DNS servers")
	fs.Strings(&o.dnsSearch, "", "dns-search", "Set custom DNS search domains")
	fs.Strings(&o.dnsOptions, "", "dns-option", "Set DNS options")
}

// runCreate is `hull create`: it makes the container and prints its id.
func runCreate(ctx context.Context, e *env, args []string) error {
	var o runOptions
	fs := e.newFlags("create")
	addRunFlags(fs, &o)
	pos, err := fs.parseLeading(args)
	if err != nil {
		return err
	}
	if err := needArgs("create", 1, pos); err != nil {
		return err
	}
	c, err := createContainer(ctx, e, &o, pos)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, c.ID)
	return nil
}

// createContainer turns the options into a create request, makes sure the
// image is there (pulling it as --pull says), creates the container and
// writes --cidfile.
func createContainer(ctx context.Context, e *env, o *runOptions, pos []string) (*engine.Container, error) {
	req, err := createRequest(o, pos[0], pos[1:])
	if err != nil {
		return nil, err
	}
	if o.cidfile != "" {
		if _, err := os.Stat(o.cidfile); err == nil {
			return nil, fmt.Errorf("container ID file found, make sure the other container isn't running or delete %s", o.cidfile)
		}
	}
	eng, err := e.engine()
	if err != nil {
		return nil, err
	}
	if err := ensureImage(ctx, e, eng, req.Config.Image, o.pull); err != nil {
		return nil, err
	}
	c, err := eng.Create(ctx, req)
	if err != nil {
		return nil, docker(err)
	}
	if o.cidfile != "" {
		if err := os.WriteFile(o.cidfile, []byte(c.ID), 0o644); err != nil {
			eng.Remove(context.WithoutCancel(ctx), c.ID, engine.RemoveOptions{Force: true, Volumes: true})
			return nil, fmt.Errorf("writing the container ID file: %w", err)
		}
	}
	return c, nil
}

// ensureImage applies --pull: "missing" pulls an image that is not stored,
// saying so on stderr as Docker does; "always" pulls in any case; "never"
// leaves a missing image an error.
func ensureImage(ctx context.Context, e *env, eng *engine.Engine, name, policy string) error {
	switch policy {
	case "missing", "always", "never":
	default:
		return fmt.Errorf(`invalid pull option: '%s': must be one of "always", "missing" or "never"`, policy)
	}
	_, err := eng.Images().Get(ctx, name)
	missing := errdefs.IsNotFound(err)
	if err != nil && !missing {
		return err
	}
	if policy == "never" && missing {
		return fmt.Errorf("no such image: %s", familiarName(name))
	}
	if policy == "missing" && !missing {
		return nil
	}
	if missing {
		fmt.Fprintf(e.stderr, "Unable to find image '%s' locally\n", familiarName(name))
	}
	// Progress goes to stderr, where Docker's run puts it: stdout is the
	// container's.
	quiet := *e
	quiet.stdout = e.stderr
	if err := pull(ctx, &quiet, name, pullOptions{}); err != nil {
		if missing && errors.Is(err, errdefs.ErrNotFound) {
			return fmt.Errorf("pull access denied for %s, repository does not exist or may require 'hull login'", familiarName(name))
		}
		return err
	}
	return nil
}

// familiarName is a reference as Docker prints it: "busybox:latest".
func familiarName(name string) string {
	ref, err := image.ParseNormalized(name)
	if err != nil {
		return name
	}
	return ref.FamiliarString()
}
