package spec

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Security is what a container's --security-opt values ask for.
type Security struct {
	NoNewPrivileges bool
	// SeccompProfile is Docker's JSON profile to apply instead of the
	// default one; nil for the default.
	SeccompProfile []byte
	// SeccompUnconfined turns seccomp off.
	SeccompUnconfined bool
	// AppArmorProfile names the AppArmor profile; "" for none. hull loads
	// no profile of its own ("docker-default"), so only a profile already
	// loaded on the host can be named.
	AppArmorProfile string
	// UnmaskedPaths (systempaths=unconfined): nothing of /proc and /sys
	// is masked or made read-only.
	UnmaskedPaths bool
	// WritableCgroups (writable-cgroups=true) mounts /sys/fs/cgroup
	// read-write.
	WritableCgroups bool
}

// ParseSecurityOpts reads --security-opt values:
//
//	no-new-privileges[=true|false]   (":" also accepted, as Docker still does)
//	seccomp=unconfined | seccomp=builtin | seccomp=/path/profile.json | seccomp={...JSON...}
//	apparmor=unconfined | apparmor=PROFILE
//	label=disable | label=user:U | role:R | type:T | level:L | filetype:F | nested
//	systempaths=unconfined
//	writable-cgroups=true|false
//
// SELinux labels are accepted and not applied, which is what Docker does
// on a host without SELinux; hull does not support SELinux. A seccomp
// profile file is read here, so that Generate needs no file.
func ParseSecurityOpts(opts []string) (Security, error) {
	var sec Security
	for _, opt := range opts {
		if opt == "no-new-privileges" {
			sec.NoNewPrivileges = true
			continue
		}
		key, value, ok := strings.Cut(opt, "=")
		if !ok {
			key, value, ok = strings.Cut(opt, ":")
		}
		if !ok || value == "" {
			return Security{}, invalid("invalid --security-opt: %q", opt)
		}
		if err := sec.set(opt, key, value); err != nil {
			return Security{}, err
		}
	}
	return sec, nil
}

// set applies one key=value of --security-opt.
func (sec *Security) set(opt, key, value string) error {
	bad := invalid("invalid --security-opt 2: %q", opt)
	switch key {
	case "no-new-privileges", "writable-cgroups":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return bad
		}
		if key == "no-new-privileges" {
			sec.NoNewPrivileges = b
		} else {
			sec.WritableCgroups = b
		}
	case "seccomp":
		return sec.setSeccomp(value)
	case "apparmor":
		sec.AppArmorProfile = value
		if value == "unconfined" {
			sec.AppArmorProfile = ""
		}
	case "label":
		return checkLabelOpt(value)
	case "systempaths":
		if value != "unconfined" {
			return bad
		}
		sec.UnmaskedPaths = true
	default:
		return bad
	}
	return nil
}

// setSeccomp reads seccomp's value: a built-in name, the profile itself
// (what Docker's API carries), or a file holding it (what the CLI takes).
func (sec *Security) setSeccomp(value string) error {
	sec.SeccompProfile, sec.SeccompUnconfined = nil, false
	switch {
	case value == "unconfined":
		sec.SeccompUnconfined = true
		return nil
	case value == "builtin":
		return nil
	case strings.HasPrefix(strings.TrimSpace(value), "{"):
		sec.SeccompProfile = []byte(value)
	default:
		data, err := os.ReadFile(value)
		if err != nil {
			return invalid("opening seccomp profile (%s) failed: %v", value, err)
		}
		sec.SeccompProfile = bytes.TrimSpace(data)
	}
	// Decode now, for the error to come with the flag that caused it.
	_, err := decodeSeccompProfile(sec.SeccompProfile)
	return err
}

// checkLabelOpt accepts the SELinux label options Docker knows.
func checkLabelOpt(v string) error {
	if v == "disable" || v == "nested" {
		return nil
	}
	for _, p := range []string{"user:", "role:", "type:", "level:", "filetype:"} {
		if strings.HasPrefix(v, p) && len(v) > len(p) {
			return nil
		}
	}
	return invalid("bad label option %q, valid options 'disable' or 'user, role, level, type, filetype' followed by ':' and a value", v)
}
