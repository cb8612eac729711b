/*
 * The C init's paths inside the rootfs: every container path is resolved
 * with openat2(RESOLVE_IN_ROOT) below an O_PATH handle on the rootfs, so no
 * symlink in the image leads outside it, and mountpoints are created below
 * a handle on their parent, as package rootfs's inroot.go does.
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

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

int cfs_root_fd = -1;
char cfs_root_canon[PATH_MAX];
struct target cfs_dev = {.fd = -1};
int cfs_procfs_root = -1;

void fd_path(int fd, char *buf, size_t cap)
{
	snprintf(buf, cap, "/proc/self/fd/%d", fd);
}

void close_target(struct target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* openat2(2) with O_CLOEXEC, retried when a concurrent rename or mount made
 * the kernel give up on a RESOLVE_IN_ROOT lookup. */
int openat2_retry(int dir, const char *p, unsigned long long flags, unsigned long long resolve)
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
void clean_path(char *p)
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
	size_t n = strlen(cfs_root_canon);
	ssize_t k;
	fd_path(fd, link, sizeof(link));
	k = readlink(link, p, sizeof(p) - 1);
	if (k < 0)
		return errno;
	p[k] = '\0';
	if (strcmp(p, cfs_root_canon) == 0) {
		strcpy(out, "/");
		return 0;
	}
	if (strncmp(p, cfs_root_canon, n) != 0 || p[n] != '/')
		return EXDEV;
	strcpy(out, p + n);
	return 0;
}

/* Resolves p inside the rootfs; with strict, a symlink on the way is ELOOP. */
int root_open(const char *p, int strict, struct target *t)
{
	int err;
	t->created = 0;
	t->fd = openat2_retry(cfs_root_fd, p, O_PATH, IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (t->fd >= 0) {
		snprintf(t->path, sizeof(t->path), "%s", p);
		return 0;
	}
	if (errno != ELOOP || strict)
		return errno;
	t->fd = openat2_retry(cfs_root_fd, p, O_PATH, IN_ROOT);
	if (t->fd < 0)
		return errno;
	if ((err = path_of(t->fd, t->path)) != 0)
		close_target(t);
	return err;
}

/* Opens the directory p inside the rootfs, creating it and its parents. */
int root_dir(const char *p, int strict, struct target *t)
{
	char cur[PATH_MAX] = "";
	const char *s = p, *c;
	size_t len;
	int err = root_open(p, strict, t), pfd;
	if (err != ENOENT)
		return err;
	pfd = openat2_retry(cfs_root_fd, "/", O_PATH | O_DIRECTORY, IN_ROOT);
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
		fd = openat2_retry(cfs_root_fd, cur, O_PATH | O_DIRECTORY, IN_ROOT);
		if (fd < 0 && errno == ENOENT) {
			if (mkdirat(pfd, comp, 0755) < 0 && errno != EEXIST) {
				err = errno;
				close(pfd);
				return err;
			}
			fd = openat2_retry(cfs_root_fd, cur, O_PATH | O_DIRECTORY, IN_ROOT);
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
int root_create(const char *dest, int file, int strict, int follow, struct target *t)
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
void mountpoint(const char *ctx, const char *dest, int file, int strict, struct target *t)
{
	int err = root_open(dest, strict, t);
	if (err == ENOENT && strcmp(dest, "/") != 0)
		err = root_create(dest, file, strict, 1, t);
	if (err)
		cinit_fail(ctx, "open", dest, err);
}

/* Opens the mount just made on t (t's handle is the directory below it),
 * checking that it is a mount's root, of type magic when that is not 0. */
void reopen(const char *ctx, const struct target *t, long magic, struct target *n)
{
	struct statx stx;
	struct statfs sf;
	int ok;
	n->fd = openat2_retry(cfs_root_fd, t->path, O_PATH, IN_ROOT | RESOLVE_NO_SYMLINKS);
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
