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
 *   here -> parent   {"type":"userns"}\n   after unshare(CLONE_NEWUSER); the parent
 *                                          writes uid_map/gid_map, then sends one byte
 *                    {"type":"pid","pid":N}\n   the host pid of the process that goes on
 *                    {"type":"error","message":"..."}\n   and exit 1 on any failure
 *
 * The process that execs this program (the "intermediate") joins and unshares,
 * then clones the final process with CLONE_PARENT, so that the final process,
 * born inside every new namespace, is the child of the runtime that started the
 * intermediate (it can wait for it), and exits. The final process returns from
 * this constructor and the Go runtime starts inside the container.
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

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#define MAX_JOINS 16
#define MAX_BOOTSTRAP (64 * 1024)

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
};

static int sync_fd = -1;

/* Writes s to the parent as a JSON string body, escaping what JSON requires. */
static void write_json_string(char *out, size_t cap, const char *s)
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

static void write_all(int fd, const char *buf, size_t len)
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
		write_json_string(esc, sizeof(esc), msg);
		int n = snprintf(line, sizeof(line), "{\"type\":\"error\",\"message\":\"%s\"}\n", esc);
		write_all(sync_fd, line, (size_t)n);
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
	write_all(sync_fd, req, sizeof(req) - 1);
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
	int n;

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

	/* A null stack makes clone behave like fork: the child goes on from here. */
	child = syscall(SYS_clone,
			(b.clone_flags & ~(unsigned long)(CLONE_NEWUSER | CLONE_NEWTIME)) | CLONE_PARENT | SIGCHLD,
			NULL, NULL, NULL, NULL);
	if (child < 0)
		bail("creating the container process", NULL);
	if (child == 0) {
		free(buf);
		return; /* into the Go runtime, inside the container */
	}
	n = snprintf(line, sizeof(line), "{\"type\":\"pid\",\"pid\":%ld}\n", child);
	write_all(sync_fd, line, (size_t)n);
	_exit(0);
}
