package runtime

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultDeviceRules are the device cgroup rules every container gets after
// its config's own, as in runc and crun: mknod of any node (the cgroup
// still decides who may open it), the spec's default devices, the console
// and the pseudo-terminals. A config's deny-all rule would otherwise leave
// even /dev/null unusable.
var defaultDeviceRules = []specs.LinuxDeviceCgroup{
	deviceRule("c", -1, -1, "m"), deviceRule("b", -1, -1, "m"),
	deviceRule("c", 1, 3, "rwm"), deviceRule("c", 1, 5, "rwm"), deviceRule("c", 1, 7, "rwm"),
	deviceRule("c", 1, 8, "rwm"), deviceRule("c", 1, 9, "rwm"), deviceRule("c", 5, 0, "rwm"),
	deviceRule("c", 5, 1, "rwm"), deviceRule("c", 5, 2, "rwm"), deviceRule("c", 136, -1, "rwm"),
}

// deviceRule is an allow rule; -1 stands for every major or minor.
func deviceRule(typ string, major, minor int64, access string) specs.LinuxDeviceCgroup {
	r := specs.LinuxDeviceCgroup{Allow: true, Type: typ, Access: access}
	if major >= 0 {
		r.Major = &major
	}
	if minor >= 0 {
		r.Minor = &minor
	}
	return r
}

// cgroupResources returns the config's resources with the device rules the
// container needs appended: the defaults, then every device of
// linux.devices, which the container must be able to use.
func cgroupResources(linux *specs.Linux) *specs.LinuxResources {
	res := &specs.LinuxResources{}
	if linux.Resources != nil {
		copied := *linux.Resources
		res = &copied
	}
	rules := append([]specs.LinuxDeviceCgroup{}, res.Devices...)
	rules = append(rules, defaultDeviceRules...)
	for _, d := range linux.Devices {
		typ := d.Type
		if typ == "u" {
			typ = "c"
		}
		if typ == "p" {
			continue // fifos are not devices to the cgroup
		}
		rules = append(rules, deviceRule(typ, d.Major, d.Minor, "rwm"))
	}
	res.Devices = rules
	return res
}
