/*
 * What the C init's filesystem files share (cinit_root.c: paths inside the
 * rootfs; cinit_mount.c: mounts, /dev, pivot_root; cinit_fs.c: inside the
 * new root, and the dispatch).
 */
#ifndef HULL_CINIT_FS_H
#define HULL_CINIT_FS_H

#include <limits.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <sys/mount.h>

#include "cinit.h"

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

extern int cfs_root_fd;                 /* O_PATH handle on the rootfs, until pivot */
extern char cfs_root_canon[PATH_MAX];   /* its path, as /proc/self/fd reports it */
extern struct target cfs_dev;           /* the open /dev, for the device operations */
extern int cfs_procfs_root;             /* after pivot: whether /proc is a procfs */

/* cinit_root.c */
void fd_path(int fd, char *buf, size_t cap);
void close_target(struct target *t);
int openat2_retry(int dir, const char *p, unsigned long long flags, unsigned long long resolve);
void clean_path(char *p);
int root_open(const char *p, int strict, struct target *t);
int root_dir(const char *p, int strict, struct target *t);
int root_create(const char *dest, int file, int strict, int follow, struct target *t);
void mountpoint(const char *ctx, const char *dest, int file, int strict, struct target *t);
void reopen(const char *ctx, const struct target *t, long magic, struct target *n);

/* cinit_mount.c */
void remount_bind(const char *ctx, int fd, const char *target, unsigned long flags, unsigned long cleared);
void prepare_root(const struct cinit_op_rec *r);
void mount_new(const struct cinit_op_rec *r);
void mount_bind(const struct cinit_op_rec *r);
void mount_cgroup1(const struct cinit_op_rec *r);
void mount_cgroup2(const struct cinit_op_rec *r);
void device(const struct cinit_op_rec *r);
void pivot(const struct cinit_op_rec *r);

#endif
