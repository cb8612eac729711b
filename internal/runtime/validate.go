package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/capabilities"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/seccomp"
)

func invalid(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, errdefs.ErrInvalidArgument)...)
}

// loadBundle returns the bundle's absolute path and its configuration.
func loadBundle(opts CreateOpts) (string, *specs.Spec, error) {
	bundle := opts.Bundle
	if bundle == "" {
		bundle = "."
	}
	bundle, err := filepath.Abs(bundle)
	if err != nil {
		return "", nil, err
	}
	if opts.Spec != nil {
		return bundle, opts.Spec, nil
	}
	spec, err := ReadSpec(filepath.Join(bundle, "config.json"))
	return bundle, spec, err
}

// ReadSpec reads and decodes an OCI runtime configuration file.
func ReadSpec(path string) (*specs.Spec, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("bundle configuration %s: %w", path, errdefs.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading bundle configuration: %w", err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, invalid("parsing %s: %v", path, err)
	}
	return &spec, nil
}

// validateSpec rejects what the runtime cannot honour, before anything is
// created, so the user gets one clear error and nothing to clean up.
func validateSpec(spec *specs.Spec, rootfs string, opts CreateOpts, warn func(string)) error {
	if spec.Version == "" || !strings.HasPrefix(spec.Version, "1.") {
		return invalid("unsupported ociVersion %q (want 1.x)", spec.Version)
	}
	if spec.Root == nil || spec.Root.Path == "" {
		return invalid("config has no root.path")
	}
	if fi, err := os.Stat(rootfs); err != nil {
		return fmt.Errorf("rootfs %s: %w", rootfs, errdefs.ErrNotFound)
	} else if !fi.IsDir() {
		return invalid("rootfs %s is not a directory", rootfs)
	}
	if spec.Process == nil {
		return invalid("config has no process")
	}
	if err := validateProcess(spec.Process, warn); err != nil {
		return err
	}
	if spec.Process.Terminal && opts.ConsoleSocket == nil {
		return invalid("process.terminal is true but no console socket was given")
	}
	if spec.Linux == nil {
		return invalid("config has no linux section")
	}
	if err := validateNamespaces(spec); err != nil {
		return err
	}
	if err := seccomp.Validate(spec.Linux.Seccomp); err != nil {
		return err
	}
	return validateMounts(spec)
}

// validateProcess checks what exec'd processes share with init, and
// passes on what the runtime will ignore.
func validateProcess(p *specs.Process, warn func(string)) error {
	if len(p.Args) == 0 {
		return invalid("process.args must not be empty")
	}
	if p.Cwd == "" || !filepath.IsAbs(p.Cwd) {
		return invalid("process.cwd %q must be an absolute path", p.Cwd)
	}
	_, warnings, err := capabilities.New(p.Capabilities)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		warn(w)
	}
	for _, rl := range p.Rlimits {
		if _, ok := rlimitTypes[rl.Type]; !ok {
			return invalid("unknown rlimit %q", rl.Type)
		}
	}
	return nil
}

func validateNamespaces(spec *specs.Spec) error {
	seen := map[specs.LinuxNamespaceType]bool{}
	for _, ns := range spec.Linux.Namespaces {
		if _, ok := nsFlags[ns.Type]; !ok {
			return invalid("unknown namespace type %q", ns.Type)
		}
		if seen[ns.Type] {
			return invalid("namespace %q listed twice", ns.Type)
		}
		seen[ns.Type] = true
		if ns.Path != "" {
			if _, err := os.Stat(ns.Path); err != nil {
				return invalid("namespace %s path %q: %v", ns.Type, ns.Path, err)
			}
		}
	}
	userNS := seen[specs.UserNamespace]
	if userNS && nsPath(spec, specs.UserNamespace) == "" &&
		(len(spec.Linux.UIDMappings) == 0 || len(spec.Linux.GIDMappings) == 0) {
		return invalid("a new user namespace needs linux.uidMappings and linux.gidMappings")
	}
	if !userNS && (len(spec.Linux.UIDMappings) > 0 || len(spec.Linux.GIDMappings) > 0) {
		return invalid("uid/gid mappings need a user namespace")
	}
	if spec.Hostname != "" && !seen[specs.UTSNamespace] {
		return invalid("setting the hostname needs a private UTS namespace")
	}
	if spec.Domainname != "" && !seen[specs.UTSNamespace] {
		return invalid("setting the domainname needs a private UTS namespace")
	}
	if err := validateSysctls(spec.Linux.Sysctl, seen); err != nil {
		return err
	}
	if len(spec.Linux.TimeOffsets) > 0 && (!seen[specs.TimeNamespace] || nsPath(spec, specs.TimeNamespace) != "") {
		return invalid("time offsets need a new time namespace")
	}
	return nil
}

// ipcSysctls are the sysctls outside fs.mqueue.* that the IPC namespace
// holds.
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// validateSysctls accepts only sysctls that a namespace of the container's
// own holds, as runc does: anything else would change the host.
func validateSysctls(sysctls map[string]string, private map[specs.LinuxNamespaceType]bool) error {
	for key := range sysctls {
		var ns specs.LinuxNamespaceType
		switch {
		case ipcSysctls[key] || strings.HasPrefix(key, "fs.mqueue."):
			ns = specs.IPCNamespace
		case strings.HasPrefix(key, "net."):
			ns = specs.NetworkNamespace
		case key == "kernel.hostname" || key == "kernel.domainname":
			ns = specs.UTSNamespace
		default:
			return invalid("sysctl %q is not in a separate kernel namespace", key)
		}
		if !private[ns] {
			return invalid("sysctl %q needs a private %s namespace", key, ns)
		}
	}
	return nil
}

func nsPath(spec *specs.Spec, t specs.LinuxNamespaceType) string {
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == t {
			return ns.Path
		}
	}
	return ""
}

func validateMounts(spec *specs.Spec) error {
	for _, m := range spec.Mounts {
		if !filepath.IsAbs(m.Destination) {
			return invalid("mount destination %q is not absolute", m.Destination)
		}
	}
	return nil
}
