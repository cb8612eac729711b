/*
 * The C init's filesystem operations: the container's mount tree, /dev,
 * pivot_root, and what is done inside the new root (masked and read-only
 * paths, sysctls). They do what package rootfs does in Go, on the same
 * plan of mounts, and keep its safeguards: every container path is
 * resolved with openat2(RESOLVE_IN_ROOT) below an O_PATH handle on the
 * rootfs, mounts land on the handle that was checked (/proc/self/fd/N), and
 * the CVE checks of rootfs's mount.go, devices.go and masked.go apply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cinit.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

#define ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
#define LOCKABLE_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME)
#define BIND_ONLY_FLAGS (MS_BIND | MS_REC | MS_REMOUNT)
#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* An open mount destination inside the rootfs. */
struct target {
	int fd;
	int created; /* made by us, not found in the image */
	char path[PATH_MAX]; /* inside the rootfs: absolute, clean, symlink-free */
};

static int root_fd = -1;
static char root_canon[PATH_MAX];
static struct target dev = {.fd = -1};
static int procfs_root = -1; /* after pivot: whether /proc is a procfs */

static void fd_path(int fd, char *buf, size_t cap)
{
	snprintf(buf, cap, "/proc/self/fd/%d", fd);
}

static void close_target(struct target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* openat2(2) with O_CLOEXEC, retried when a concurrent rename or mount made
 * the kernel give up on a RESOLVE_IN_ROOT lookup. */
static int openat2_retry(int dir, const char *p, unsigned long long flags, unsigned long long resolve)
{
	struct open_how how = {.flags = flags | O_CLOEXEC, .resolve = resolve};
	int i, fd = -1;
	for (i = 0; i < 16; i++) {
		fd = (int)syscall(SYS_openat2, dir, p, &how, sizeof(how));
		if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
			return fd;
	}
	return fd;
}

/* Joins dir and name into out (PATH_MAX bytes); ENAMETOOLONG if too long. */
static int join_path(char *out, const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	if (a + b + 2 > PATH_MAX)
		return ENAMETOOLONG;
	memcpy(out, dir, a);
	out[a] = '/';
	memcpy(out + a + 1, name, b + 1);
	return 0;
}

/* Returns the next component of the path at *s, or NULL at its end, with
 * its length in *len, and moves *s past it. */
static const char *next_component(const char **s, size_t *len)
{
	const char *c = *s, *e;
	while (*c == '/')
		c++;
	if (!*c)
		return NULL;
	e = strchr(c, '/');
	*len = e ? (size_t)(e - c) : strlen(c);
	*s = c + *len;
	return c;
}

/* Cleans an absolute path in place: no ".", "..", or repeated slashes;
 * ".." stops at "/". */
static void clean_path(char *p)
{
	char out[PATH_MAX];
	size_t n = 0, len;
	const char *s = p, *c;
	out[n++] = '/';
	while ((c = next_component(&s, &len)) != NULL) {
		if (len == 1 && c[0] == '.') {
		} else if (len == 2 && c[0] == '.' && c[1] == '.') {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--;
		} else if (n + len + 2 < sizeof(out)) {
			if (n > 1)
				out[n++] = '/';
			memcpy(out + n, c, len);
			n += len;
		}
	}
	out[n] = '\0';
	strcpy(p, out);
}

/* Where an open file is inside the rootfs. */
static int path_of(int fd, char *out)
{
	char link[64], p[PATH_MAX];
	size_t n = strlen(root_canon);
	ssize_t k;
	fd_path(fd, link, sizeof(link));
	k = readlink(link, p, sizeof(p) - 1);
	if (k < 0)
		return errno;
	p[k] = '\0';
	if (strcmp(p, root_canon) == 0) {
		strcpy(out, "/");
		return 0;
	}
	if (strncmp(p, root_canon, n) != 0 || p[n] != '/')
		return EXDEV;
	strcpy(out, p + n);
	return 0;
}

/* Resolves p inside the rootfs; with strict, a symlink on the way is ELOOP. */
static int root_open(const char *p, int strict, struct target *t)
{
	int err;
	t->created = 0;
	t->fd = openat2_retry(root_fd, p, O_PATH, IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (t->fd >= 0) {
		snprintf(t->path, sizeof(t->path), "%s", p);
		return 0;
	}
	if (errno != ELOOP || strict)
		return errno;
	t->fd = openat2_retry(root_fd, p, O_PATH, IN_ROOT);
	if (t->fd < 0)
		return errno;
	if ((err = path_of(t->fd, t->path)) != 0)
		close_target(t);
	return err;
}

/* Opens the directory p inside the rootfs, creating it and its parents. */
static int root_dir(const char *p, int strict, struct target *t)
{
	char cur[PATH_MAX] = "";
	const char *s = p, *c;
	size_t len;
	int err = root_open(p, strict, t), pfd;
	if (err != ENOENT)
		return err;
	pfd = openat2_retry(root_fd, "/", O_PATH | O_DIRECTORY, IN_ROOT);
	if (pfd < 0)
		return errno;
	while ((c = next_component(&s, &len)) != NULL) {
		char comp[NAME_MAX + 1];
		int fd;
		if (len > NAME_MAX || strlen(cur) + len + 2 > sizeof(cur)) {
			close(pfd);
			return ENAMETOOLONG;
		}
		memcpy(comp, c, len);
		comp[len] = '\0';
		strcat(cur, "/");
		strcat(cur, comp);
		fd = openat2_retry(root_fd, cur, O_PATH | O_DIRECTORY, IN_ROOT);
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(pfd, comp, 0755) < 0 && errno != EEXIST) {
				err = errno;
				close(pfd);
				return err;
			}
			fd = openat2_retry(root_fd, cur, O_PATH | O_DIRECTORY, IN_ROOT);
		}
		if (fd < 0) {
			err = errno;
			close(pfd);
			return err;
		}
		close(pfd);
		pfd = fd;
	}
	t->fd = pfd;
	t->created = 1;
	if ((err = path_of(pfd, t->path)) == 0 && strict && strcmp(t->path, p) != 0)
		err = ELOOP;
	if (err)
		close_target(t);
	return err;
}

#define ERR_SYMLINK (-1)

/* Creates base in parent (a file or a directory) and opens it. Neither
 * mkdirat(2) nor O_CREAT|O_EXCL follows a symlink at base. */
static int create_at(const struct target *parent, const char *base, int file, struct target *t)
{
	struct stat st;
	if (join_path(t->path, parent->path, base) != 0)
		return ENAMETOOLONG;
	clean_path(t->path);
	t->created = 1;
	if (file)
		t->fd = openat(parent->fd, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, 0644);
	else if ((t->fd = mkdirat(parent->fd, base, 0755)) == 0)
		t->fd = openat(parent->fd, base, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	if (t->fd >= 0)
		return 0;
	if (errno != EEXIST)
		return errno;
	/* Something appeared since we looked: use it unless it is a symlink. */
	t->created = 0;
	if (fstatat(parent->fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno;
	if (S_ISLNK(st.st_mode))
		return ERR_SYMLINK;
	t->fd = openat(parent->fd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return t->fd < 0 ? errno : 0;
}

/* Makes a missing mountpoint below a handle on its parent. A last component
 * that is a symlink to something missing (an image's /etc/resolv.conf) is
 * followed once, inside the rootfs, as runc does. */
static int root_create(const char *dest, int file, int strict, int follow, struct target *t)
{
	char dir[PATH_MAX], next[PATH_MAX], link[PATH_MAX];
	const char *base;
	struct target parent;
	ssize_t k;
	int err;

	snprintf(dir, sizeof(dir), "%s", dest);
	base = strrchr(dest, '/') + 1;
	dir[base - dest] = '\0';
	clean_path(dir);
	if ((err = root_dir(dir, strict, &parent)) != 0)
		return err;
	err = create_at(&parent, base, file, t);
	if (err != ERR_SYMLINK) {
		close_target(&parent);
		return err;
	}
	if (strict || !follow) {
		close_target(&parent);
		return ELOOP;
	}
	k = readlinkat(parent.fd, base, link, sizeof(link) - 1);
	err = errno;
	close_target(&parent);
	if (k < 0)
		return err;
	link[k] = '\0';
	if (link[0] == '/')
		snprintf(next, sizeof(next), "%s", link);
	else if (join_path(next, parent.path, link) != 0)
		return ENAMETOOLONG;
	clean_path(next);
	if ((err = root_open(next, 0, t)) != ENOENT)
		return err;
	return root_create(next, file, 0, 0, t);
}

/* Opens the destination dest, creating it (a file or a directory) if
 * missing; fails the init with ctx on error. */
static void mountpoint(const char *ctx, const char *dest, int file, int strict, struct target *t)
{
	int err = root_open(dest, strict, t);
	if (err == ENOENT && strcmp(dest, "/") != 0)
		err = root_create(dest, file, strict, 1, t);
	if (err)
		cinit_fail(ctx, "open", dest, err);
}

/* Opens the mount just made on t (t's handle is the directory below it),
 * checking that it is a mount's root, of type magic when that is not 0. */
static void reopen(const char *ctx, const struct target *t, long magic, struct target *n)
{
	struct statx stx;
	struct statfs sf;
	int ok;
	n->fd = openat2_retry(root_fd, t->path, O_PATH, IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (n->fd < 0)
		cinit_fail(ctx, "reopen", t->path, errno);
	snprintf(n->path, sizeof(n->path), "%s", t->path);
	if (statx(n->fd, "", AT_EMPTY_PATH, STATX_TYPE, &stx) < 0)
		cinit_fail(ctx, "statx", t->path, errno);
	ok = !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) || (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	if (ok && magic)
		ok = fstatfs(n->fd, &sf) == 0 && sf.f_type == magic;
	if (!ok) {
		char what[PATH_MAX + 64];
		snprintf(what, sizeof(what), "\"%s\" is no longer the mount just made", t->path);
		cinit_fail(ctx, what, NULL, EBUSY);
	}
}

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
static void remount_bind(const char *ctx, int fd, const char *target, unsigned long flags, unsigned long cleared)
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
static void mount_bind(const struct cinit_op_rec *r)
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
static void mount_new(const struct cinit_op_rec *r)
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
static void mount_cgroup1(const struct cinit_op_rec *r)
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
static void mount_cgroup2(const struct cinit_op_rec *r)
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
static void device(const struct cinit_op_rec *r)
{
	const char *p = cinit_str(r, 0);
	mode_t mode = (mode_t)cinit_num(r, 1);
	dev_t rdev = S_ISFIFO(mode) ? 0 : makedev(cinit_num(r, 2), cinit_num(r, 3));
	uid_t uid = (uid_t)cinit_num(r, 4);
	gid_t gid = (gid_t)cinit_num(r, 5);
	char ctx[PATH_MAX + 16], dir[PATH_MAX], fp[64];
	const char *base = strrchr(p, '/') + 1;
	struct target parent = dev, own = {.fd = -1};
	struct stat st;
	int fd, err;

	snprintf(ctx, sizeof(ctx), "device \"%s\"", p);
	snprintf(dir, sizeof(dir), "%s", p);
	dir[base - p] = '\0';
	clean_path(dir);
	if (strcmp(dir, "/dev") != 0 || dev.fd < 0 || strcmp(dev.path, "/dev") != 0) {
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
static void prepare_root(const struct cinit_op_rec *r)
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
	root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		cinit_fail(NULL, "open", rootfs, errno);
	fd_path(root_fd, link, sizeof(link));
	k = readlink(link, root_canon, sizeof(root_canon) - 1);
	if (k < 0)
		cinit_fail(NULL, "readlink", link, errno);
	root_canon[k] = '\0';
}

/* rootfs, propagation: pivot_root(".", "."), then the old root, now on top
 * of the new one, is made rslave and detached, as rootfs's pivotRoot. */
static void pivot(const struct cinit_op_rec *r)
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
	close_target(&dev);
	close(root_fd);
	root_fd = -1;
	if (prop && !(prop & (MS_PRIVATE | MS_SLAVE)) && mount("", "/", NULL, prop, NULL) < 0)
		cinit_fail("setting the propagation of the new root", "mount", NULL, errno);
	procfs_root = statfs("/proc", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* Names the open file fd, known as p, for mount(2) inside the new root:
 * through /proc/self/fd when the container has a procfs. */
static const char *at(int fd, const char *p, char *buf, size_t cap)
{
	if (!procfs_root)
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
		mountpoint("setting up /dev", "/dev", 0, 0, &dev);
		break;
	case OP_DEVICE:
		device(r);
		break;
	case OP_DEV_SYMLINK:
		if (symlinkat(cinit_str(r, 0), dev.fd, cinit_str(r, 1)) < 0 && errno != EEXIST)
			cinit_fail("setting up /dev", "symlink", cinit_str(r, 1), errno);
		break;
	case OP_DEV_PTMX:
		if (unlinkat(dev.fd, "ptmx", 0) < 0 && errno != ENOENT)
			cinit_fail("setting up /dev", "unlink", "/dev/ptmx", errno);
		if (symlinkat("pts/ptmx", dev.fd, "ptmx") < 0)
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
