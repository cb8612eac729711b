/*
 * The C container init: runs a plan that the runtime computed from the spec,
 * in the final process the preamble cloned, so that a container starts
 * without a second Go runtime. The plan's format and its operations are
 * package initplan's (internal/initplan/plan.go); the numbers below must
 * match its Op constants (nsexec_test.go checks them).
 */
#ifndef HULL_CINIT_H
#define HULL_CINIT_H

#include <stddef.h>
#include <stdint.h>

enum cinit_op {
	OP_PREPARE_ROOT = 1, /* rootfs, propagation flags, make parent private */
	OP_MOUNT_NEW = 2,    /* ctx, source, dest, fstype, flags, data, strict, proc, tmpfs,
				sysfs fallback flags, propagations, attr set, attr clr, attr prop */
	OP_MOUNT_BIND = 3,   /* ctx, source, dest, recursive, flags, cleared, propagations,
				attr set, attr clr, attr prop */
	OP_MOUNT_CGROUP1 = 4, /* ctx, dest, flags, propagations, cgroupns, then per hierarchy:
				 name, fstype, data, host directory */
	OP_MOUNT_CGROUP2 = 5, /* ctx, source, dest, flags, data, propagations, host directory */
	OP_DEV = 6,          /* open /dev for the operations below */
	OP_DEVICE = 7,       /* path, mode, major, minor, uid, gid */
	OP_DEV_SYMLINK = 8,  /* target, name in /dev */
	OP_DEV_PTMX = 9,     /* /dev/ptmx becomes a link to pts/ptmx */
	OP_CREATE_CWD = 10,  /* path */
	OP_HOOKS = 11,       /* ask the runtime to run prestart and createRuntime hooks */
	OP_PIVOT = 12,       /* rootfs, propagation of the new root */
	OP_HOSTNAME = 13,    /* hostname, domainname */
	OP_SYSCTL = 14,      /* name, path below /proc, value */
	OP_READONLY = 15,    /* path */
	OP_MASK = 16,        /* path */
	OP_REMOUNT_RO = 17,  /* path, flags */
	OP_READONLY_ROOT = 18,
	OP_LOOPBACK_UP = 19,
	OP_CGROUPNS = 20,
	OP_KEYRING = 21,     /* name */
	OP_RLIMIT = 22,      /* name, resource, soft, hard */
	OP_NO_NEW_PRIVS = 23,
	OP_SECCOMP = 24,     /* flags, program (struct sock_filter[]), late */
	OP_CREDENTIALS = 25, /* uid, gid, groups (comma-separated), has caps, bounding,
				effective, permitted, inheritable, ambient, last cap */
	OP_UMASK = 26,       /* mask */
	OP_CWD = 27,         /* path */
	OP_SETSID = 29,      /* a new session, for a terminal */
	OP_CONSOLE = 30,     /* console socket fd, bind on /dev/console: a pty as stdio */
	OP_EXEC = 28,        /* fifo fd (-1: an exec'd process), preserved fds, PATH, argc,
				args..., env... */
};

/* One operation of the plan; fields are NUL-terminated in place. */
struct cinit_op_rec {
	int op;
	int nfields;
	char **fields;
	size_t *lens;
};

/* Runs the plan in buf (len bytes) and execs the container's program; it
 * never returns. sync_fd is the socket to the runtime. */
void cinit_run(char *buf, size_t len, int sync_fd) __attribute__((noreturn));

/* From nsexec.c: writing to the runtime. */
void hull_write_all(int fd, const char *buf, size_t len);
void hull_json_string(char *out, size_t cap, const char *s);

/* Helpers shared by cinit.c and the filesystem files (cinit_fs.h). */
void cinit_fail(const char *ctx, const char *what, const char *arg, int err) __attribute__((noreturn));
unsigned long long cinit_num(const struct cinit_op_rec *r, int i);
const char *cinit_str(const struct cinit_op_rec *r, int i);
void cinit_fs_op(const struct cinit_op_rec *r);
void cinit_sync_hooks(void);

#endif
