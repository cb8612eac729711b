package rootfs

import (
	"reflect"
	"testing"

	"github.com/moby/sys/mountinfo"
)

func TestPlanCgroupV1(t *testing.T) {
	// A hybrid host: comounted cpu,cpuacct, a named systemd hierarchy, the
	// unified cgroup2, memory mounted twice, and a hierarchy (perf_event)
	// that /proc/self/cgroup does not list.
	infos := []*mountinfo.Info{
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", FSType: "cgroup", VFSOptions: "rw,cpu,cpuacct"},
		{Mountpoint: "/sys/fs/cgroup/memory", Root: "/", FSType: "cgroup", VFSOptions: "rw,memory"},
		{Mountpoint: "/sys/fs/cgroup/systemd", Root: "/", FSType: "cgroup", VFSOptions: "rw,xattr,name=systemd"},
		{Mountpoint: "/sys/fs/cgroup/unified", Root: "/", FSType: "cgroup2", VFSOptions: "rw,nsdelegate"},
		{Mountpoint: "/mnt/memory-again", Root: "/", FSType: "cgroup", VFSOptions: "rw,memory"},
		{Mountpoint: "/sys/fs/cgroup/perf_event", Root: "/", FSType: "cgroup", VFSOptions: "rw,perf_event"},
	}
	self := []byte("4:cpu,cpuacct:/ctr\n3:memory:/ctr\n1:name=systemd:/ctr\n0::/ctr\n")

	got, err := planCgroupV1(infos, self, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []cgroupMount{
		{name: "cpu,cpuacct", fstype: "cgroup", data: "cpu,cpuacct", host: "/sys/fs/cgroup/cpu,cpuacct/ctr"},
		{name: "memory", fstype: "cgroup", data: "memory", host: "/sys/fs/cgroup/memory/ctr"},
		{name: "systemd", fstype: "cgroup", data: "name=systemd", host: "/sys/fs/cgroup/systemd/ctr"},
		{name: "unified", fstype: "cgroup2", data: "", host: "/sys/fs/cgroup/unified/ctr"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("planCgroupV1 without a cgroup namespace:\n got %+v\nwant %+v", got, want)
	}

	got, err = planCgroupV1(infos, self, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].host = ""
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("planCgroupV1 in a cgroup namespace:\n got %+v\nwant %+v", got, want)
	}
}

func TestPlanCgroupV1MountRoot(t *testing.T) {
	// The runtime itself runs in a container whose cgroup mount shows
	// only its own subtree: the container's cgroup is found below it.
	infos := []*mountinfo.Info{
		{Mountpoint: "/sys/fs/cgroup/memory", Root: "/outer", FSType: "cgroup", VFSOptions: "rw,memory"},
	}
	got, err := planCgroupV1(infos, []byte("3:memory:/outer/ctr\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].host != "/sys/fs/cgroup/memory/ctr" {
		t.Errorf("planCgroupV1 = %+v, want the host dir /sys/fs/cgroup/memory/ctr", got)
	}
	if _, err := planCgroupV1(infos, []byte("3:memory:/elsewhere\n"), false); err == nil {
		t.Error("planCgroupV1 accepted a cgroup outside the mount's root")
	}
	if _, err := planCgroupV1(infos, []byte("3:memory:/outerx\n"), false); err == nil {
		t.Error("planCgroupV1 took /outerx for a directory below /outer")
	}
}
