// Package rootfs turns an OCI bundle's config.json into the container's
// filesystem: it is the mount-namespace half of a container's init.
//
// The init process that calls this package is already inside the
// container's new namespaces (mount, pid, uts, ipc, net, cgroup, maybe user),
// runs as root of those namespaces, and has the bundle as its working
// directory. The work is split in three stages because the OCI runtime runs
// hooks between them (createRuntime/createContainer hooks need the host's
// view of the rootfs, so they run between Prepare and Pivot):
//
//	rootfs.Prepare(c)   // build the mount tree under c.Rootfs, from the host's view
//	  ... hooks ...
//	rootfs.Pivot(c)     // make c.Rootfs the root; the host's tree is gone
//	rootfs.SetHostname(hostname, domainname)
//	rootfs.WriteSysctls(spec.Linux.Sysctl)
//	rootfs.Finalize(c)  // read-only and masked paths, read-only root
//
// What the stages expect of the calling process: it is in the container's
// new mount namespace (and its other namespaces), root there (CAP_SYS_ADMIN;
// CAP_MKNOD too unless Config.UserNS), its working directory is the bundle
// (relative bind sources are resolved against it), and the host's procfs is
// still on /proc until Pivot (open files are named as /proc/self/fd/N).
// Prepare sets the umask to 0 while it creates files and restores it; Pivot
// leaves the working directory at the new "/". The umask and the root are
// per process, so the caller should not run other work concurrently.
//
// Prepare follows runc's order: root propagation (by default "/" becomes
// rslave recursively, so nothing the container mounts reaches the host),
// a bind of the rootfs onto itself (pivot_root needs a mount point), every
// entry of spec.Mounts in order, then /dev (default devices, the devices
// list, the /dev symlinks, /dev/ptmx and /dev/console).
//
// # Why mounts go through file descriptors
//
// The rootfs belongs to the image, and the image is not trusted: a symlink
// such as /proc -> /host/etc, or one swapped in by another container sharing a
// volume while we work (CVE-2019-19921, CVE-2021-30465), must never redirect a
// mount outside the rootfs or over the container's /proc. So a destination is
// resolved inside the rootfs by the kernel, with openat2(RESOLVE_IN_ROOT), to
// an O_PATH handle, and the mount is made onto "/proc/self/fd/N" rather than
// onto a path that could change between the check and the use. Missing
// mountpoints are created one component at a time below a handle
// (filepath-securejoin's MkdirAllHandle for deeper trees). Bind mounts are
// cloned with open_tree(2) and attached with move_mount(2), which leaves us a
// handle on the new mount itself for the remount that applies "ro" and
// friends; no path is looked up twice.
//
// This needs Linux 5.6 (openat2) and 5.2 (open_tree, move_mount); the
// recursive options ("rro", "rnosuid", ...) need mount_setattr, Linux 5.12.
//
// # What is deliberately left out
//
// SELinux mount labels (linux.mountLabel) are ignored: SELinux is not
// enabled on the hosts hull targets, and without it the kernel would reject
// a context= option anyway. Id-mapped mounts ("idmap", "ridmap", per-mount
// uidMappings) and "tmpcopyup" are refused with errdefs.ErrUnavailable rather
// than silently ignored.
//
// The package holds no global state: everything it needs is in Config, and
// each stage recomputes what it needs from it.
package rootfs
