/*
 * The C init's mounts: the rootfs bound onto itself, each mount of the
 * spec, the cgroup mounts, /dev's devices, and pivot_root, as package
 * rootfs's Prepare and Pivot do. Mounts land on the handle that was checked
 * (/proc/self/fd/N), and the CVE checks of rootfs's mount.go and devices.go
 * apply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cinit_fs.h"

/* Refuses mounts over the container's /proc and into it (CVE-2019-16884),
 * as rootfs's checkDest does; dest is resolved. */
static void check_dest(const char *ctx, const char *dest, int is_proc, int tree)
{
	static const char *const lxcfs[] = {"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
					    "/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo",
					    "/proc/sys/kernel/ns_last_pid", "/proc/sys/crypto/fips_enabled", NULL};
	char what[PATH_MAX + 64];
	int i;
	if (strcmp(dest, "/") == 0)
		cinit_fail(ctx, "cannot mount over the container's root", NULL, 0);
	if (strcmp(dest, "/proc") == 0) {
		struct statfs sf;
		if (is_proc || (tree >= 0 && fstatfs(tree, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC))
			return;
		cinit_fail(ctx, "only a procfs may be mounted on /proc", NULL, 0);
	}
	if (strncmp(dest, "/proc/", 6) != 0)
		return;
	for (i = 0; lxcfs[i]; i++)
		if (strcmp(dest, lxcfs[i]) == 0)
			return;
	snprintf(what, sizeof(what), "\"%s\" is inside /proc", dest);
	cinit_fail(ctx, what, NULL, 0);
}

/* Applies per-mount flags to the bind mount fd: a bind ignores them, so
 * they take a remount. Flags the kernel locked are read back and kept,
 * unless an option asked to clear one (rootfs's remountBind). */
void remount_bind(const char *ctx, int fd, const char *target, unsigned long flags, unsigned long cleared)
{
	struct statfs sf;
	unsigned long locked;
	flags = (flags & ~(unsigned long)MS_REC) | MS_BIND | MS_REMOUNT;
	if (mount("", target, NULL, flags, NULL) == 0)
		return;
	if (errno != EPERM)
		cinit_fail(ctx, "remount", NULL, errno);
	if (fstatfs(fd, &sf) < 0)
		cinit_fail(ctx, "fstatfs", NULL, errno);
	locked = (unsigned long)sf.f_flags & LOCKABLE_FLAGS;
	if (locked & cleared & ~(unsigned long)ATIME_FLAGS)
		cinit_fail(ctx, "cannot clear locked mount flags: remount", NULL, EPERM);
	if (flags & ATIME_FLAGS)
		locked &= ~(unsigned long)ATIME_FLAGS;
	if (mount("", target, NULL, flags | locked, NULL) < 0)
		cinit_fail(ctx, "remount keeping the locked flags: mount", NULL, errno);
}

/* Sets the propagations (a comma-separated list of MS_* values) and the
 * recursive attributes of the mount whose root is fd. */
static void apply_propagation(const char *ctx, int fd, const char *props, unsigned long long set,
			      unsigned long long clr)
{
	char p[64];
	const char *s = props;
	fd_path(fd, p, sizeof(p));
	while (*s) {
		char *end;
		unsigned long flag = strtoul(s, &end, 0);
		if (mount("", p, NULL, flag, NULL) < 0)
			cinit_fail(ctx, "setting propagation: mount", NULL, errno);
		s = *end == ',' ? end + 1 : end;
	}
	if (set || clr) {
		struct mount_attr attr = {.attr_set = set, .attr_clr = clr};
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
			cinit_fail(ctx, "mount_setattr", NULL, errno);
	}
}

static int clone_tree(const char *ctx, const char *src, int recursive)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, src, flags);
	if (tree < 0)
		cinit_fail(ctx, "open_tree", src, errno);
	return tree;
}

/* Moves the detached tree onto t and applies the bind's flags to it. */
static void attach(const char *ctx, int tree, const struct target *t, unsigned long flags, unsigned long cleared,
		   const char *props, unsigned long long set, unsigned long long clr)
{
	char p[64];
	check_dest(ctx, t->path, 0, tree);
	if (syscall(SYS_move_mount, tree, "", t->fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		cinit_fail(ctx, "move_mount", NULL, errno);
	fd_path(tree, p, sizeof(p));
	if ((flags & ~(unsigned long)BIND_ONLY_FLAGS) || cleared)
		remount_bind(ctx, tree, p, flags, cleared);
	apply_propagation(ctx, tree, props, set, clr);
}

/* ctx, source, dest, recursive, flags, cleared, propagations, attr set, attr clr */
void mount_bind(const struct cinit_op_rec *r)
{
	const char *ctx = cinit_str(r, 0);
	struct target t;
	struct stat st;
	int tree = clone_tree(ctx, cinit_str(r, 1), (int)cinit_num(r, 3));
	if (fstat(tree, &st) < 0)
		cinit_fail(ctx, "fstat", NULL, errno);
	mountpoint(ctx, cinit_str(r, 2), !S_ISDIR(st.st_mode), 0, &t);
	attach(ctx, tree, &t, cinit_num(r, 4), cinit_num(r, 5), cinit_str(r, 6), cinit_num(r, 7), cinit_num(r, 8));
	close(tree);
	close_target(&t);
}

/* ctx, source, dest, fstype, flags, cleared, data, strict, proc, tmpfs,
 * sysfs fallback, propagations, attr set, attr clr */
void mount_new(const struct cinit_op_rec *r)
{
	const char *ctx = cinit_str(r, 0), *fstype = cinit_str(r, 3), *data = cinit_str(r, 6);
	const char *props = cinit_str(r, 11);
	unsigned long flags = cinit_num(r, 4), cleared = cinit_num(r, 5);
	unsigned long long set = cinit_num(r, 12), clr = cinit_num(r, 13);
	int strict = (int)cinit_num(r, 7), err;
	char p[64], mode_data[4200];
	struct target t, n;

	err = root_open(cinit_str(r, 2), strict, &t);
	if (err == ENOENT && strcmp(cinit_str(r, 2), "/") != 0)
		err = root_create(cinit_str(r, 2), 0, strict, 1, &t);
	if (strict && err == ELOOP) {
		char what[128];
		snprintf(what, sizeof(what), "%s must be mounted on a directory reached without symlinks", fstype);
		cinit_fail(ctx, what, NULL, ELOOP);
	}
	if (err)
		cinit_fail(ctx, "open", cinit_str(r, 2), err);
	check_dest(ctx, t.path, (int)cinit_num(r, 8), -1);
	if (cinit_num(r, 9)) {
		/* Read-only comes in Finalize: later mounts may need to create
		 * their mountpoints inside. A tmpfs keeps the mode of the
		 * directory it covers (a /tmp stays 1777), as runc does. */
		struct stat st;
		flags &= ~(unsigned long)MS_RDONLY;
		if (!t.created && !strstr(data, "mode=") && fstat(t.fd, &st) == 0) {
			snprintf(mode_data, sizeof(mode_data), "mode=0%o%s%s", st.st_mode & 07777, *data ? "," : "",
				 data);
			data = mode_data;
		}
	}
	fd_path(t.fd, p, sizeof(p));
	if (mount(cinit_str(r, 1), p, fstype, flags, data) < 0) {
		if (errno == EPERM && cinit_num(r, 10)) {
			/* sysfs for a network namespace we do not own: the host's. */
			int tree = clone_tree(ctx, "/sys", 1);
			attach(ctx, tree, &t, cinit_num(r, 10), cleared, props, set, clr);
			close(tree);
			close_target(&t);
			return;
		}
		cinit_fail(ctx, "mount", NULL, errno);
	}
	if (*props || set || clr) {
		reopen(ctx, &t, 0, &n);
		apply_propagation(ctx, n.fd, props, set, clr);
		close_target(&n);
	}
	close_target(&t);
}

/* ctx, dest, flags, propagations, attr set, attr clr, cgroupns, then per
 * hierarchy: name, fstype, data, host directory. A tmpfs with one directory
 * per hierarchy, as rootfs's mountCgroup1. */
void mount_cgroup1(const struct cinit_op_rec *r)
{
	const char *ctx = cinit_str(r, 0);
	unsigned long flags = cinit_num(r, 2), base, hflags;
	int cgroupns = (int)cinit_num(r, 6), i;
	struct target t, tmp;
	char p[64], sub[PATH_MAX];

	mountpoint(ctx, cinit_str(r, 1), 0, 0, &t);
	check_dest(ctx, t.path, 0, -1);
	base = (flags & ~(unsigned long)(MS_RDONLY | BIND_ONLY_FLAGS)) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	fd_path(t.fd, p, sizeof(p));
	if (mount("tmpfs", p, "tmpfs", base, "mode=755") < 0)
		cinit_fail(ctx, "mount", NULL, errno);
	reopen(ctx, &t, TMPFS_MAGIC, &tmp);
	close_target(&t);
	hflags = (flags & ~(unsigned long)BIND_ONLY_FLAGS) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	for (i = 7; i + 3 < r->nfields; i += 4) {
		const char *name = r->fields[i];
		if (mkdirat(tmp.fd, name, 0755) < 0 && errno != EEXIST)
			cinit_fail(ctx, "mkdir", name, errno);
		if (cgroupns) {
			fd_path(tmp.fd, p, sizeof(p));
			snprintf(sub, sizeof(sub), "%s/%s", p, name);
			if (mount("cgroup", sub, r->fields[i + 1], hflags, r->fields[i + 2]) < 0)
				cinit_fail(ctx, "mount", name, errno);
		} else {
			int tree = clone_tree(ctx, r->fields[i + 3], 1);
			if (syscall(SYS_move_mount, tree, "", tmp.fd, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
				cinit_fail(ctx, "move_mount", name, errno);
			fd_path(tree, p, sizeof(p));
			remount_bind(ctx, tree, p, hflags | MS_BIND, 0);
			close(tree);
		}
	}
	for (i = 7; i + 3 < r->nfields; i += 4) {
		/* Comounted hierarchies ("cpu,cpuacct") get a link per controller. */
		char ctrls[PATH_MAX], *c, *save = NULL;
		if (!strchr(r->fields[i], ','))
			continue;
		snprintf(ctrls, sizeof(ctrls), "%s", r->fields[i]);
		for (c = strtok_r(ctrls, ",", &save); c; c = strtok_r(NULL, ",", &save))
			if (symlinkat(r->fields[i], tmp.fd, c) < 0 && errno != EEXIST)
				cinit_fail(ctx, "symlink", c, errno);
	}
	if (flags & MS_RDONLY) {
		fd_path(tmp.fd, p, sizeof(p));
		remount_bind(ctx, tmp.fd, p, base | MS_RDONLY, 0);
	}
	apply_propagation(ctx, tmp.fd, cinit_str(r, 3), cinit_num(r, 4), cinit_num(r, 5));
	close_target(&tmp);
}

/* ctx, source, dest, flags, cleared, data, propagations, attr set, attr clr,
 * host directory: cgroup2, or a bind of the container's own cgroup where
 * the kernel refuses a new mount, as runc does. */
void mount_cgroup2(const struct cinit_op_rec *r)
{
	const char *ctx = cinit_str(r, 0), *props = cinit_str(r, 6);
	unsigned long flags = cinit_num(r, 3);
	struct target t, n;
	char p[64];
	mountpoint(ctx, cinit_str(r, 2), 0, 0, &t);
	check_dest(ctx, t.path, 0, -1);
	fd_path(t.fd, p, sizeof(p));
	if (mount(cinit_str(r, 1), p, "cgroup2", flags, cinit_str(r, 5)) == 0) {
		if (*props || cinit_num(r, 7) || cinit_num(r, 8)) {
			reopen(ctx, &t, 0, &n);
			apply_propagation(ctx, n.fd, props, cinit_num(r, 7), cinit_num(r, 8));
			close_target(&n);
		}
	} else if (errno == EPERM || errno == EBUSY) {
		int tree = clone_tree(ctx, cinit_str(r, 9), 1);
		attach(ctx, tree, &t, flags | MS_BIND | MS_REC, cinit_num(r, 4), props, 0, 0);
		close(tree);
	} else {
		cinit_fail(ctx, "mount", NULL, errno);
	}
	close_target(&t);
}

/* Attaches the detached tree onto base in parent, creating an empty file
 * there; a symlink or directory is refused (CVE-2025-52565). */
static void move_onto_file(const char *ctx, int tree, const struct target *parent, const char *base)
{
	struct stat st;
	int fd = openat(parent->fd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fd = openat(parent->fd, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, 0666);
	if (fd < 0)
		cinit_fail(ctx, "open", base, errno);
	if (fstat(fd, &st) < 0)
		cinit_fail(ctx, "stat", base, errno);
	if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode))
		cinit_fail(ctx, "not a file to mount a device on:", base, EINVAL);
	if (syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		cinit_fail(ctx, "move_mount", base, errno);
	close(fd);
}

/* path, mode, major, minor, uid, gid: one device node, as rootfs's
 * createDevice (a node already there must be the same device). */
void device(const struct cinit_op_rec *r)
{
	const char *p = cinit_str(r, 0);
	mode_t mode = (mode_t)cinit_num(r, 1);
	dev_t rdev = S_ISFIFO(mode) ? 0 : makedev(cinit_num(r, 2), cinit_num(r, 3));
	uid_t uid = (uid_t)cinit_num(r, 4);
	gid_t gid = (gid_t)cinit_num(r, 5);
	char ctx[PATH_MAX + 16], dir[PATH_MAX], fp[64];
	const char *base = strrchr(p, '/') + 1;
	struct target parent = cfs_dev, own = {.fd = -1};
	struct stat st;
	int fd, err;

	snprintf(ctx, sizeof(ctx), "device \"%s\"", p);
	snprintf(dir, sizeof(dir), "%s", p);
	dir[base - p] = '\0';
	clean_path(dir);
	if (strcmp(dir, "/dev") != 0 || cfs_dev.fd < 0 || strcmp(cfs_dev.path, "/dev") != 0) {
		if ((err = root_dir(dir, 0, &own)) != 0)
			cinit_fail(ctx, "open", dir, err);
		parent = own;
	}
	if (mknodat(parent.fd, base, mode, rdev) == 0) {
		if ((uid || gid) && fchownat(parent.fd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			cinit_fail(ctx, "chown", p, errno);
	} else if (errno == EEXIST) {
		fd = openat(parent.fd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			cinit_fail(ctx, "open", p, errno);
		if ((st.st_mode & S_IFMT) != (mode & S_IFMT) || (!S_ISFIFO(mode) && st.st_rdev != rdev))
			cinit_fail(ctx, "something else is already there", NULL, EEXIST);
		fd_path(fd, fp, sizeof(fp));
		if (chmod(fp, mode & 07777) < 0)
			cinit_fail(ctx, "chmod", p, errno);
		if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
			cinit_fail(ctx, "chown", p, errno);
		close(fd);
	} else if (errno == EPERM) {
		/* mknod refused (no CAP_MKNOD here): bind the host's node. */
		int tree = clone_tree(ctx, p, 0);
		move_onto_file(ctx, tree, &parent, base);
		close(tree);
	} else {
		cinit_fail(ctx, "mknod", p, errno);
	}
	close_target(&own);
}

/* rootfs, propagation of "/", as rootfs's prepareRoot: nothing mounted
 * later reaches the host. */
void prepare_root(const struct cinit_op_rec *r)
{
	const char *rootfs = cinit_str(r, 0);
	unsigned long flags = cinit_num(r, 1);
	char p[PATH_MAX], link[64];
	ssize_t k;

	umask(0);
	if (flags == 0)
		flags = MS_SLAVE | MS_REC;
	if (mount("", "/", NULL, flags, NULL) < 0)
		cinit_fail(NULL, "setting the propagation of /: mount", NULL, errno);
	if (!(flags & MS_REC) || !(flags & (MS_PRIVATE | MS_SLAVE))) {
		/* Make the mount holding the rootfs private, walking up from it:
		 * mount(2) says EINVAL for a directory that is not a mount point. */
		unsigned long priv = (flags & MS_SLAVE) ? MS_SLAVE : MS_PRIVATE;
		snprintf(p, sizeof(p), "%s", rootfs);
		while (mount("", p, NULL, priv, NULL) < 0) {
			char *slash;
			if (errno != EINVAL || strcmp(p, "/") == 0)
				cinit_fail(NULL, "making the mount of the rootfs private: mount", p, errno);
			slash = strrchr(p, '/');
			if (slash == p)
				p[1] = '\0';
			else
				*slash = '\0';
		}
	}
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		cinit_fail(NULL, "binding the rootfs onto itself: mount", rootfs, errno);
	cfs_root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cfs_root_fd < 0)
		cinit_fail(NULL, "open", rootfs, errno);
	fd_path(cfs_root_fd, link, sizeof(link));
	k = readlink(link, cfs_root_canon, sizeof(cfs_root_canon) - 1);
	if (k < 0)
		cinit_fail(NULL, "readlink", link, errno);
	cfs_root_canon[k] = '\0';
}

/* rootfs, propagation: pivot_root(".", "."), then the old root, now on top
 * of the new one, is made rslave and detached, as rootfs's pivotRoot. */
void pivot(const struct cinit_op_rec *r)
{
	const char *ctx = "entering the rootfs";
	unsigned long prop = cinit_num(r, 1);
	int old_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int new_root = open(cinit_str(r, 0), O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct statfs sf;
	if (old_root < 0 || new_root < 0)
		cinit_fail(ctx, "open", cinit_str(r, 0), errno);
	if (fchdir(new_root) < 0)
		cinit_fail(ctx, "fchdir", NULL, errno);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		cinit_fail(ctx, "pivot_root", NULL, errno);
	if (fchdir(old_root) < 0)
		cinit_fail(ctx, "fchdir", NULL, errno);
	if (mount("", ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		cinit_fail(ctx, "mount", NULL, errno);
	if (umount2(".", MNT_DETACH) < 0)
		cinit_fail(ctx, "umount2", NULL, errno);
	if (chdir("/") < 0)
		cinit_fail(ctx, "chdir", NULL, errno);
	close(old_root);
	close(new_root);
	close_target(&cfs_dev);
	close(cfs_root_fd);
	cfs_root_fd = -1;
	if (prop && !(prop & (MS_PRIVATE | MS_SLAVE)) && mount("", "/", NULL, prop, NULL) < 0)
		cinit_fail("setting the propagation of the new root", "mount", NULL, errno);
	cfs_procfs_root = statfs("/proc", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}
