/*
 * The namespace preamble: runs before the Go runtime starts, while the process
 * still has one thread, because setns(2) into a mount or user namespace and
 * unshare(CLONE_NEWUSER) refuse a multi-threaded caller, and a process can only
 * enter a pid namespace by being born into it.
 *
 * It acts only when _HULL_BOOTSTRAP names a file descriptor: the parent's end of
 * a socketpair. Protocol (see internal/runtime/spawn.go for the parent's side):
 *
 *   parent -> here   uint32 length (host order), then that many bytes of lines:
 *                      join <CLONE_NEW* flag> <path>   enter an existing namespace
 *                      clone <flags>                   create these namespaces
 *                      timens <clock> <sec> <nsec>     offsets of a new time namespace
 *                      oom <score>                     oom_score_adj, set while privileged
 *                      cgroup <path of a v1 tasks file>   enter that cgroup first
 *                      cgroup2 <v2 directory>          the final process is born there
 *                      cinit <length>                  after the lines, a plan of that
 *                                                      many bytes for the C init (cinit.c)
 *   here -> parent   {"type":"userns"}\n   after unshare(CLONE_NEWUSER); the parent
 *                                          writes uid_map/gid_map, then sends one byte
 *                    {"type":"pid","pid":N,"cgroup2":B}\n   the host pid of the process that
 *                                          goes on; B tells whether it was born in the
 *                                          cgroup2 directory (clone3 may be missing)
 *                    {"type":"error","message":"..."}\n   and exit 1 on any failure
 *
 * The process that execs this program (the "intermediate") joins and unshares,
 * then clones the final process with CLONE_PARENT, so that the final process,
 * born inside every new namespace, is the child of the runtime that started the
 * intermediate (it can wait for it), and exits. The final process runs the C
 * init's plan when there is one (and never returns), or returns from this
 * constructor, and the Go runtime starts inside the container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cinit.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

#define MAX_JOINS 16
#define MAX_CGROUPS 32
#define MAX_BOOTSTRAP (64 * 1024)
#define MAX_PLAN (16 * 1024 * 1024)

struct join {
	int flag;
	char *path;
	int fd;
};

struct bootstrap {
	struct join joins[MAX_JOINS];
	int njoins;
	unsigned long clone_flags;
	char timens[512];
	size_t timens_len;
	char *oom;
	char *cgroups[MAX_CGROUPS];
	int ncgroups;
	char *cgroup2;
	size_t plan_len;
	char *plan;
};

/* clone3's argument, as the kernel's uapi defines it (5.7 and later). */
struct hull_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static int sync_fd = -1;

/* Writes s to out (cap bytes) as a JSON string body, escaping what JSON
 * requires. */
void hull_json_string(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = c;
		} else if (c < 0x20) {
			n += snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = c;
		}
	}
	out[n] = '\0';
}

void hull_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Reports a failure to the parent (or stderr without one) and exits. */
static void bail(const char *what, const char *arg)
{
	char msg[1024], esc[2048], line[2200];
	int err = errno;
	if (arg)
		snprintf(msg, sizeof(msg), "%s %s: %s", what, arg, strerror(err));
	else
		snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
	if (sync_fd >= 0) {
		hull_json_string(esc, sizeof(esc), msg);
		int n = snprintf(line, sizeof(line), "{\"type\":\"error\",\"message\":\"%s\"}\n", esc);
		hull_write_all(sync_fd, line, (size_t)n);
	} else {
		fprintf(stderr, "nsexec: %s\n", msg);
	}
	_exit(1);
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void parse_line(struct bootstrap *b, char *line)
{
	if (strncmp(line, "join ", 5) == 0) {
		char *end;
		if (b->njoins == MAX_JOINS) {
			errno = E2BIG;
			bail("too many namespaces to join", NULL);
		}
		struct join *j = &b->joins[b->njoins++];
		j->flag = (int)strtol(line + 5, &end, 0);
		j->path = end + 1;
	} else if (strncmp(line, "clone ", 6) == 0) {
		b->clone_flags = strtoul(line + 6, NULL, 0);
	} else if (strncmp(line, "timens ", 7) == 0) {
		size_t n = strlen(line + 7);
		if (b->timens_len + n + 2 > sizeof(b->timens)) {
			errno = E2BIG;
			bail("time offsets too long", NULL);
		}
		memcpy(b->timens + b->timens_len, line + 7, n);
		b->timens_len += n;
		b->timens[b->timens_len++] = '\n';
	} else if (strncmp(line, "oom ", 4) == 0) {
		b->oom = line + 4;
	} else if (strncmp(line, "cgroup ", 7) == 0) {
		if (b->ncgroups == MAX_CGROUPS) {
			errno = E2BIG;
			bail("too many cgroup hierarchies", NULL);
		}
		b->cgroups[b->ncgroups++] = line + 7;
	} else if (strncmp(line, "cgroup2 ", 8) == 0) {
		b->cgroup2 = line + 8;
	} else if (strncmp(line, "cinit ", 6) == 0) {
		b->plan_len = strtoul(line + 6, NULL, 10);
	} else {
		errno = EINVAL;
		bail("unknown bootstrap line", line);
	}
}

static char *read_bootstrap(struct bootstrap *b)
{
	uint32_t len;
	char *buf, *line, *save = NULL;

	if (read_full(sync_fd, &len, sizeof(len)) < 0)
		bail("reading bootstrap length", NULL);
	if (len > MAX_BOOTSTRAP) {
		errno = E2BIG;
		bail("bootstrap message too large", NULL);
	}
	buf = calloc(1, len + 1);
	if (!buf)
		bail("allocating bootstrap", NULL);
	if (read_full(sync_fd, buf, len) < 0)
		bail("reading bootstrap", NULL);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		parse_line(b, line);
	if (b->plan_len > 0) {
		if (b->plan_len > MAX_PLAN) {
			errno = E2BIG;
			bail("init plan too large", NULL);
		}
		b->plan = malloc(b->plan_len);
		if (!b->plan)
			bail("allocating the init plan", NULL);
		if (read_full(sync_fd, b->plan, b->plan_len) < 0)
			bail("reading the init plan", NULL);
	}
	return buf;
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		bail("opening", path);
	if (write(fd, data, len) != (ssize_t)len)
		bail("writing", path);
	close(fd);
}

/*
 * Moves this process into the container's v1 cgroups by writing "0" to each
 * hierarchy's tasks file, before anything else: the paths are the host's, and
 * the child cloned later is born in them. The runtime could write our pid to
 * cgroup.procs instead, but every write there takes the kernel's global
 * cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period:
 * 5 to 25 ms. A thread that moves only itself skips that lock, and while this
 * preamble runs, the process has only one thread.
 */
static void join_cgroups(struct bootstrap *b)
{
	int i, fd;
	for (i = 0; i < b->ncgroups; i++) {
		fd = open(b->cgroups[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			bail("opening", b->cgroups[i]);
		if (write(fd, "0", 1) != 1)
			bail("joining cgroup through", b->cgroups[i]);
		close(fd);
	}
}

/*
 * Creates the final process. With a cgroup v2 directory, clone3 places it
 * there as it is born (CLONE_INTO_CGROUP): cgroup v2 moves only whole
 * processes, so it cannot enter by itself as join_cgroups does. *born_in_v2
 * tells whether that happened; kernels before 5.7 lack it, and the runtime
 * then moves the process itself.
 */
static long clone_final(unsigned long flags, int cgroup2_fd, int *born_in_v2)
{
	long child;
	*born_in_v2 = 0;
	if (cgroup2_fd >= 0) {
		struct hull_clone_args args;
		memset(&args, 0, sizeof(args));
		/* With CLONE_PARENT the exit signal is the intermediate's own. */
		args.flags = flags | CLONE_PARENT | CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup2_fd;
		child = syscall(SYS_clone3, &args, sizeof(args));
		if (child >= 0) {
			*born_in_v2 = 1;
			return child;
		}
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL)
			return child;
	}
	/* A null stack makes clone behave like fork: the child goes on from here. */
	return syscall(SYS_clone, flags | CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
}

/*
 * Opens every namespace before entering any, since a path such as
 * /proc/PID/ns/mnt must be resolved in the namespaces the runtime started in.
 * The user namespace is entered first: it owns the others.
 */
static void join_namespaces(struct bootstrap *b)
{
	int i, pass;
	for (i = 0; i < b->njoins; i++) {
		b->joins[i].fd = open(b->joins[i].path, O_RDONLY | O_CLOEXEC);
		if (b->joins[i].fd < 0)
			bail("opening namespace", b->joins[i].path);
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < b->njoins; i++) {
			struct join *j = &b->joins[i];
			if ((pass == 0) != (j->flag == CLONE_NEWUSER))
				continue;
			if (setns(j->fd, j->flag) < 0)
				bail("joining namespace", j->path);
			close(j->fd);
		}
	}
}

static void new_user_namespace(void)
{
	static const char req[] = "{\"type\":\"userns\"}\n";
	char ack;

	if (unshare(CLONE_NEWUSER) < 0)
		bail("creating user namespace", NULL);
	/* The parent, in the initial namespace, writes our uid and gid maps. */
	hull_write_all(sync_fd, req, sizeof(req) - 1);
	if (read_full(sync_fd, &ack, 1) < 0 || ack != '1') {
		errno = EPROTO;
		bail("waiting for the user namespace mappings", NULL);
	}
	if (setresgid(0, 0, 0) < 0)
		bail("becoming root in the user namespace (is uid 0 mapped?)", NULL);
	if (setresuid(0, 0, 0) < 0)
		bail("becoming root in the user namespace (is uid 0 mapped?)", NULL);
}

__attribute__((constructor)) static void hull_nsexec(void)
{
	struct bootstrap b;
	const char *env = getenv("_HULL_BOOTSTRAP");
	char line[64];
	char *buf;
	long child;
	int n, cgroup2_fd = -1, born_in_v2;

	if (!env)
		return;
	sync_fd = atoi(env);
	memset(&b, 0, sizeof(b));
	buf = read_bootstrap(&b);

	/*
	 * CVE-2019-5736: a process in the container must not reach this binary
	 * through /proc/PID/exe while we run in its namespaces. A non-dumpable
	 * process's /proc entries belong to the host's root; execve of the
	 * container's program makes it dumpable again.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("setting the process non-dumpable", NULL);
	if (b.oom)
		write_file("/proc/self/oom_score_adj", b.oom, strlen(b.oom));
	join_cgroups(&b);
	if (b.cgroup2) {
		/* Opened now, while the host's mount namespace resolves the path. */
		cgroup2_fd = open(b.cgroup2, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cgroup2_fd < 0)
			bail("opening", b.cgroup2);
	}
	join_namespaces(&b);
	if (b.clone_flags & CLONE_NEWUSER)
		new_user_namespace();
	if (b.clone_flags & CLONE_NEWTIME) {
		/* Offsets can be set only before a process is born into the namespace. */
		if (unshare(CLONE_NEWTIME) < 0)
			bail("creating time namespace", NULL);
		if (b.timens_len > 0)
			write_file("/proc/self/timens_offsets", b.timens, b.timens_len);
	}

	child = clone_final(b.clone_flags & ~(unsigned long)(CLONE_NEWUSER | CLONE_NEWTIME),
			    cgroup2_fd, &born_in_v2);
	if (child < 0)
		bail("creating the container process", NULL);
	if (child == 0) {
		if (cgroup2_fd >= 0)
			close(cgroup2_fd);
		free(buf);
		if (b.plan)
			cinit_run(b.plan, b.plan_len, sync_fd);
		return; /* into the Go runtime, inside the container */
	}
	n = snprintf(line, sizeof(line), "{\"type\":\"pid\",\"pid\":%ld,\"cgroup2\":%s}\n", child,
		     born_in_v2 ? "true" : "false");
	hull_write_all(sync_fd, line, (size_t)n);
	_exit(0);
}
