/*
 * The C init's work inside the new root (masked and read-only paths,
 * sysctls, the read-only root, as package rootfs's Finalize does) and the
 * dispatch of the filesystem operations of a plan.
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

/* Names the open file fd, known as p, for mount(2) inside the new root:
 * through /proc/self/fd when the container has a procfs. */
static const char *at(int fd, const char *p, char *buf, size_t cap)
{
	if (!cfs_procfs_root)
		return p;
	fd_path(fd, buf, cap);
	return buf;
}

static void readonly_path(const char *p)
{
	char ctx[PATH_MAX + 32], b[64];
	struct statfs sf;
	int fd = open(p, O_PATH | O_CLOEXEC), tree;
	snprintf(ctx, sizeof(ctx), "making \"%s\" read-only", p);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return;
	if (fd < 0)
		cinit_fail(ctx, "open", p, errno);
	tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (tree < 0)
		cinit_fail(ctx, "open_tree", NULL, errno);
	if (syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		cinit_fail(ctx, "move_mount", NULL, errno);
	if (fstatfs(tree, &sf) < 0)
		cinit_fail(ctx, "fstatfs", NULL, errno);
	remount_bind(ctx, tree, at(tree, p, b, sizeof(b)), ((unsigned long)sf.f_flags & LOCKABLE_FLAGS) | MS_RDONLY,
		     0);
	close(tree);
	close(fd);
}

/* Hides p: a directory under an empty read-only tmpfs, anything else under
 * the container's /dev/null, checked to be the null device
 * (CVE-2025-31133). */
static void mask_path(const char *p)
{
	static int null_fd = -1;
	char ctx[PATH_MAX + 32], b1[64], b2[64];
	struct stat st;
	int fd = open(p, O_PATH | O_CLOEXEC);
	snprintf(ctx, sizeof(ctx), "masking \"%s\"", p);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return;
	if (fd < 0 || fstat(fd, &st) < 0)
		cinit_fail(ctx, "open", p, errno);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", at(fd, p, b1, sizeof(b1)), "tmpfs", MS_RDONLY, "") < 0)
			cinit_fail(ctx, "mount", NULL, errno);
		close(fd);
		return;
	}
	if (null_fd < 0) {
		struct stat ns;
		null_fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (null_fd < 0)
			cinit_fail(ctx, "open", "/dev/null", errno);
		if (fstat(null_fd, &ns) < 0 || !S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3))
			cinit_fail(ctx, "/dev/null is not the null device", NULL, 0);
	}
	if (mount(at(null_fd, "/dev/null", b2, sizeof(b2)), at(fd, p, b1, sizeof(b1)), NULL, MS_BIND, NULL) < 0)
		cinit_fail(ctx, "mount", NULL, errno);
	close(fd);
}

/* name, path below /proc, value: through a procfs checked to be one, never
 * across a symlink or a mount. */
static void sysctl(const struct cinit_op_rec *r)
{
	char ctx[512];
	struct statfs sf;
	struct stat st;
	const char *value = cinit_str(r, 2);
	int proc, fd;
	snprintf(ctx, sizeof(ctx), "sysctl \"%s\"", cinit_str(r, 0));
	proc = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (proc < 0)
		cinit_fail(ctx, "open", "/proc", errno);
	if (fstatfs(proc, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC || fstat(proc, &st) < 0 || st.st_ino != 1)
		cinit_fail(ctx, "/proc is not a procfs", NULL, 0);
	fd = openat2_retry(proc, cinit_str(r, 1), O_WRONLY | O_TRUNC,
			   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	if (fd < 0)
		cinit_fail(ctx, "open /proc/", cinit_str(r, 1), errno);
	if (write(fd, value, strlen(value)) < 0)
		cinit_fail(ctx, "write /proc/", cinit_str(r, 1), errno);
	close(fd);
	close(proc);
}

void cinit_fs_op(const struct cinit_op_rec *r)
{
	struct target t;
	char b[64];
	int err;
	switch (r->op) {
	case OP_PREPARE_ROOT:
		prepare_root(r);
		break;
	case OP_MOUNT_NEW:
		mount_new(r);
		break;
	case OP_MOUNT_BIND:
		mount_bind(r);
		break;
	case OP_MOUNT_CGROUP1:
		mount_cgroup1(r);
		break;
	case OP_MOUNT_CGROUP2:
		mount_cgroup2(r);
		break;
	case OP_DEV:
		mountpoint("setting up /dev", "/dev", 0, 0, &cfs_dev);
		break;
	case OP_DEVICE:
		device(r);
		break;
	case OP_DEV_SYMLINK:
		if (symlinkat(cinit_str(r, 0), cfs_dev.fd, cinit_str(r, 1)) < 0 && errno != EEXIST)
			cinit_fail("setting up /dev", "symlink", cinit_str(r, 1), errno);
		break;
	case OP_DEV_PTMX:
		if (unlinkat(cfs_dev.fd, "ptmx", 0) < 0 && errno != ENOENT)
			cinit_fail("setting up /dev", "unlink", "/dev/ptmx", errno);
		if (symlinkat("pts/ptmx", cfs_dev.fd, "ptmx") < 0)
			cinit_fail("setting up /dev", "symlink", "/dev/ptmx", errno);
		break;
	case OP_CREATE_CWD:
		if ((err = root_dir(cinit_str(r, 0), 0, &t)) != 0)
			cinit_fail("creating process.cwd", "mkdir", cinit_str(r, 0), err);
		close_target(&t);
		break;
	case OP_PIVOT:
		pivot(r);
		break;
	case OP_HOSTNAME:
		if (*cinit_str(r, 0) && sethostname(cinit_str(r, 0), strlen(cinit_str(r, 0))) < 0)
			cinit_fail(NULL, "sethostname", NULL, errno);
		if (*cinit_str(r, 1) && setdomainname(cinit_str(r, 1), strlen(cinit_str(r, 1))) < 0)
			cinit_fail(NULL, "setdomainname", NULL, errno);
		break;
	case OP_SYSCTL:
		sysctl(r);
		break;
	case OP_READONLY:
		readonly_path(cinit_str(r, 0));
		break;
	case OP_MASK:
		mask_path(cinit_str(r, 0));
		break;
	case OP_REMOUNT_RO: {
		char ctx[PATH_MAX + 32];
		int fd = open(cinit_str(r, 0), O_PATH | O_CLOEXEC);
		snprintf(ctx, sizeof(ctx), "making \"%s\" read-only", cinit_str(r, 0));
		if (fd < 0)
			cinit_fail(ctx, "open", cinit_str(r, 0), errno);
		remount_bind(ctx, fd, at(fd, cinit_str(r, 0), b, sizeof(b)), cinit_num(r, 1) | MS_RDONLY, 0);
		close(fd);
		break;
	}
	case OP_READONLY_ROOT: {
		struct statfs sf;
		if (statfs("/", &sf) < 0)
			cinit_fail("making the root read-only", "statfs", "/", errno);
		if (mount("", "/", NULL,
			  ((unsigned long)sf.f_flags & LOCKABLE_FLAGS) | MS_RDONLY | MS_BIND | MS_REMOUNT, NULL) < 0)
			cinit_fail("making the root read-only", "remount", NULL, errno);
		break;
	}
	default:
		cinit_fail("init plan", "unknown operation", NULL, EINVAL);
	}
}
