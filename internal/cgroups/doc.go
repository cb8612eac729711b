// Package cgroups places a container's processes in cgroups and applies
// the resource limits of its OCI config (linux.resources) to them. The
// runtime uses it from its parent process, never from inside a container;
// see Manager for the lifecycle. It is Linux-only, like hull's runtime.
//
// # Hosts
//
// Hosts mount cgroups in one of three ways (see Mode), all supported:
//
//   - Legacy (cgroup v1): one hierarchy per controller or group of
//     controllers, e.g. /sys/fs/cgroup/memory, /sys/fs/cgroup/cpu,cpuacct.
//     A container gets one directory in each.
//   - Unified (cgroup v2): one hierarchy, usually at /sys/fs/cgroup. A
//     container gets one directory there, and Create enables every
//     controller down to it through the parents' cgroup.subtree_control so
//     that any limit can be set or updated later.
//   - Hybrid: v1 hierarchies plus a cgroup2 mount (typically
//     /sys/fs/cgroup/unified) that may hold a few controllers not bound to
//     v1 (on hull's CI machines, hugetlb). The container joins the v1
//     hierarchies and the v2 one too, as runc does: systemd tracks processes
//     there, and it gives access to the v2-only controllers, which are
//     written with their v2 files. Such a controller is enabled in the v2
//     parents only when a limit needs it: once enabled there, the
//     administrator could no longer mount it as a v1 hierarchy.
//
// Mounts are found in /proc/self/mountinfo (read once per process and
// cached: a runtime does not outlive a cgroup remount), never assumed.
//
// # Resources
//
// Each group of limits is written with the files of the hierarchy that
// holds its controller, v1 or v2. Only fields that are set are written; as
// in runc, a zero limit, quota, period or share means "not set". Values the
// kernel checks against each other (memory and memory+swap on v1, CFS
// period, quota and burst) are written in the order that works for the
// direction of the change. A value the kernel rejects gives an error such as
//
//	setting memory.limit_in_bytes to "1234": invalid argument
//
// which wraps both the errno and the matching errdefs kind, and a feature
// the kernel lacks gives an errdefs.ErrUnavailable error naming the file.
// Limits one version cannot express (swappiness, realtime CPU time and
// net_cls on v2, "unified" keys on a host without cgroup2) are refused with
// ErrUnavailable rather than dropped, except the deprecated kernel-memory
// limits, which the spec lets runtimes ignore where the files are gone.
//
// Device rules use the v1 devices controller where it is mounted and an
// eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE, assembled here, on v2.
//
// # Cost
//
// Starting a container must stay well under a millisecond here: Create is
// one mkdir per hierarchy plus one write per limit set, Apply one write per
// hierarchy, all through raw system calls. Nothing spawns a process. The
// kernel makes every Apply wait for an RCU grace period (5 to 25 ms), so
// a process being started enters by itself instead, as Entry describes.
package cgroups
