package spec

import (
	"path"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DeviceMapping is one --device: a host device node (or a directory of
// them) made available in the container.
type DeviceMapping struct {
	PathOnHost        string
	PathInContainer   string
	CgroupPermissions string // some of "r", "w", "m"; default "rwm"
}

// ParseDevice reads --device "host[:container][:permissions]": the
// container path defaults to the host path, the permissions to "rwm". A
// second field that reads as permissions ("/dev/fuse:rw") is taken as them.
func ParseDevice(s string) (DeviceMapping, error) {
	if strings.Count(s, ":") > 2 {
		return DeviceMapping{}, invalid("bad format for path: %s", s)
	}
	fields := strings.Split(s, ":")
	if fields[0] == "" {
		return DeviceMapping{}, invalid("bad format for path: %s", s)
	}
	d := DeviceMapping{PathOnHost: fields[0], PathInContainer: fields[0], CgroupPermissions: "rwm"}
	switch len(fields) {
	case 2:
		if validDeviceMode(fields[1]) {
			d.CgroupPermissions = fields[1]
		} else {
			d.PathInContainer = fields[1]
		}
	case 3:
		if !validDeviceMode(fields[2]) {
			return DeviceMapping{}, invalid("bad mode specified: %s", fields[2])
		}
		d.PathInContainer, d.CgroupPermissions = fields[1], fields[2]
	}
	if !path.IsAbs(d.PathInContainer) {
		return DeviceMapping{}, invalid("%s is not an absolute path", d.PathInContainer)
	}
	d.PathInContainer = path.Clean(d.PathInContainer)
	return d, nil
}

// validDeviceMode reports whether mode is a non-empty combination of r, w
// and m, each at most once.
func validDeviceMode(mode string) bool {
	if mode == "" || len(mode) > 3 {
		return false
	}
	seen := map[rune]bool{}
	for _, c := range mode {
		if c != 'r' && c != 'w' && c != 'm' || seen[c] {
			return false
		}
		seen[c] = true
	}
	return true
}

// ParseDeviceCgroupRule reads --device-cgroup-rule "type major:minor
// access" ("c 1:3 rwm", "b 8:* r", "a *:* rwm"), an allow rule of the
// devices cgroup; "*" stands for every number.
func ParseDeviceCgroupRule(s string) (specs.LinuxDeviceCgroup, error) {
	bad := invalid("invalid device cgroup format '%s'", s)
	fields := strings.Split(s, " ")
	if len(fields) != 3 || len(fields[0]) != 1 || !strings.Contains("acb", fields[0]) {
		return specs.LinuxDeviceCgroup{}, bad
	}
	majorS, minorS, ok := strings.Cut(fields[1], ":")
	access := fields[2]
	if !ok || access == "" || len(access) > 3 || strings.Trim(access, "rwm") != "" {
		return specs.LinuxDeviceCgroup{}, bad
	}
	major, err1 := deviceNumber(majorS)
	minor, err2 := deviceNumber(minorS)
	if err1 != nil || err2 != nil {
		return specs.LinuxDeviceCgroup{}, bad
	}
	return specs.LinuxDeviceCgroup{Allow: true, Type: fields[0], Major: major, Minor: minor, Access: access}, nil
}

// deviceNumber reads a major or minor number of a rule; "*" is nil, every
// number.
func deviceNumber(s string) (*int64, error) {
	if s == "*" {
		return nil, nil
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return nil, strconv.ErrSyntax
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, err
	}
	return &n, nil
}
