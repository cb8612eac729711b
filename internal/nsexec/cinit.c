/*
 * The C container init: the plan's reader, the process's credentials and
 * limits, the wait for start, and execve. Filesystem operations are in
 * cinit_root.c, cinit_mount.c and cinit_fs.c. Every failure is reported to the runtime as an error message,
 * worded like the Go init's, and ends the process.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cinit.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define PLAN_MAGIC "HIP1"
#define MAX_FIELDS 4096

static int sync_fd = -1;
static int proc_fd = -1; /* the host's /proc/self/fd, for the exec fifo */

/* The late seccomp filter, loaded just before execve. */
static struct sock_fprog late_prog;
static unsigned int late_flags;
static int have_late;

/* Go's wording for an errno: strerror's, with a lower-case first letter. */
static void errno_text(int err, char *out, size_t cap)
{
	snprintf(out, cap, "%s", strerror(err));
	out[0] = (char)tolower((unsigned char)out[0]);
}

static void send_error(const char *msg)
{
	char esc[8200], line[8300];
	int n;
	hull_json_string(esc, sizeof(esc), msg);
	n = snprintf(line, sizeof(line), "{\"type\":\"error\",\"message\":\"%s\"}\n", esc);
	hull_write_all(sync_fd, line, (size_t)n);
}

/*
 * Reports "ctx: what arg: error" (parts that are NULL or 0 are left out) and
 * exits.
 */
void cinit_fail(const char *ctx, const char *what, const char *arg, int err)
{
	char msg[4096], e[256];
	size_t n = 0;
	if (ctx && *ctx)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s: ", ctx);
	if (what)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s", what);
	if (arg)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, " %s", arg);
	if (err) {
		errno_text(err, e, sizeof(e));
		snprintf(msg + n, sizeof(msg) - n, ": %s", e);
	}
	send_error(msg);
	_exit(1);
}

const char *cinit_str(const struct cinit_op_rec *r, int i)
{
	if (i >= r->nfields)
		cinit_fail("init plan", "operation has too few fields", NULL, EINVAL);
	return r->fields[i];
}

unsigned long long cinit_num(const struct cinit_op_rec *r, int i)
{
	return strtoull(cinit_str(r, i), NULL, 0);
}

static uint32_t get32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get16(const char *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Reads the next operation at *off; fields stay in buf. */
static int next_op(char *buf, size_t len, size_t *off, struct cinit_op_rec *r)
{
	static char *fields[MAX_FIELDS];
	static size_t lens[MAX_FIELDS];
	size_t o = *off;
	int i;
	if (o == len)
		return 0;
	if (len - o < 4)
		cinit_fail("init plan", "truncated", NULL, EINVAL);
	r->op = get16(buf + o);
	r->nfields = get16(buf + o + 2);
	r->fields = fields;
	r->lens = lens;
	o += 4;
	if (r->nfields > MAX_FIELDS)
		cinit_fail("init plan", "too many fields", NULL, E2BIG);
	for (i = 0; i < r->nfields; i++) {
		uint32_t n;
		if (len - o < 4)
			cinit_fail("init plan", "truncated", NULL, EINVAL);
		n = get32(buf + o);
		o += 4;
		if (len - o < (size_t)n + 1 || buf[o + n] != '\0')
			cinit_fail("init plan", "malformed field", NULL, EINVAL);
		fields[i] = buf + o;
		lens[i] = n;
		o += n + 1;
	}
	*off = o;
	return 1;
}

/* Reads one line from the runtime (a JSON message) into buf. */
static void read_line(char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t r = read(sync_fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			cinit_fail(NULL, "reading the sync socket", NULL, r < 0 ? errno : EPIPE);
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
}

/* Asks the runtime to run the prestart and createRuntime hooks, and waits. */
void cinit_sync_hooks(void)
{
	static const char req[] = "{\"type\":\"hooks\"}\n";
	char line[4096];
	hull_write_all(sync_fd, req, sizeof(req) - 1);
	read_line(line, sizeof(line));
	if (!strstr(line, "\"hooksDone\""))
		_exit(1); /* the runtime reported the hook's failure itself */
}

static void set_rlimit(const struct cinit_op_rec *r)
{
	const char *name = cinit_str(r, 0);
	int res = (int)cinit_num(r, 1);
	struct rlimit rl = {.rlim_cur = cinit_num(r, 2), .rlim_max = cinit_num(r, 3)};
	char msg[512];
	if (setrlimit(res, &rl) == 0)
		return;
	if (errno == EPERM) {
		struct rlimit cur;
		getrlimit(res, &cur);
		snprintf(msg, sizeof(msg),
			 "setting %s to soft %llu, hard %llu: the hard limit is %llu and raising it needs "
			 "CAP_SYS_RESOURCE, which this process lacks",
			 name, (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
			 (unsigned long long)cur.rlim_max);
		cinit_fail(NULL, msg, NULL, 0);
	}
	snprintf(msg, sizeof(msg), "setting %s", name);
	cinit_fail(NULL, msg, NULL, errno);
}

static void load_seccomp(struct sock_fprog *prog, unsigned int flags)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog) == 0)
		return;
	if (errno == EACCES)
		cinit_fail(NULL, "seccomp: loading filter needs no_new_privs or CAP_SYS_ADMIN", NULL, EACCES);
	cinit_fail(NULL, "seccomp: loading filter", NULL, errno);
}

static void seccomp_op(const struct cinit_op_rec *r)
{
	struct sock_fprog prog;
	unsigned int flags = (unsigned int)cinit_num(r, 0);
	size_t n = r->lens[1];
	if (r->nfields < 3 || n == 0 || n % sizeof(struct sock_filter) != 0)
		cinit_fail("init plan", "malformed seccomp program", NULL, EINVAL);
	prog.len = (unsigned short)(n / sizeof(struct sock_filter));
	/* The field's bytes are not aligned in the plan: copy them. */
	prog.filter = malloc(n);
	if (!prog.filter)
		cinit_fail(NULL, "seccomp: allocating the filter", NULL, ENOMEM);
	memcpy(prog.filter, r->fields[1], n);
	if (cinit_num(r, 2)) {
		late_prog = prog;
		late_flags = flags;
		have_late = 1;
		return;
	}
	load_seccomp(&prog, flags);
}

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

static void set_caps(unsigned long long eff, unsigned long long perm, unsigned long long inh)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = {0x20080522, 0}; /* _LINUX_CAPABILITY_VERSION_3; pid 0: this thread */
	struct cap_data data[2];
	int i;
	for (i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(eff >> (32 * i));
		data[i].permitted = (uint32_t)(perm >> (32 * i));
		data[i].inheritable = (uint32_t)(inh >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		cinit_fail(NULL, "setting capabilities", NULL, errno);
}

static void set_groups(const char *list)
{
	size_t cap = 1;
	gid_t *groups;
	int n = 0;
	const char *p;
	for (p = list; *p; p++)
		cap += *p == ',';
	groups = calloc(cap, sizeof(gid_t));
	if (!groups)
		cinit_fail(NULL, "setting additional groups", list, ENOMEM);
	for (p = list; *p && (size_t)n < cap;) {
		char *end;
		groups[n++] = (gid_t)strtoul(p, &end, 10);
		p = *end == ',' ? end + 1 : end;
	}
	if (syscall(SYS_setgroups, n, groups) == 0)
		return;
	if (errno == EPERM && n == 0) {
		/* A user namespace whose setgroups is "deny" refuses even none. */
		char buf[16] = {0};
		int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t k = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (k > 0 && strncmp(buf, "deny", 4) == 0)
				return;
		}
		errno = EPERM;
	}
	cinit_fail(NULL, "setting additional groups", list, errno);
}

/*
 * Switches to the process's user and leaves it the spec's capabilities, in
 * the order package capabilities explains: bounding set, keep-caps, ids,
 * then the other sets and the ambient one.
 */
static void credentials(const struct cinit_op_rec *r)
{
	unsigned long uid = (unsigned long)cinit_num(r, 0), gid = (unsigned long)cinit_num(r, 1);
	int has_caps = (int)cinit_num(r, 3);
	unsigned long long bounding = cinit_num(r, 4), eff = cinit_num(r, 5), perm = cinit_num(r, 6);
	unsigned long long inh = cinit_num(r, 7), amb = cinit_num(r, 8);
	int last = (int)cinit_num(r, 9), c;
	char msg[128];

	if (has_caps) {
		for (c = 0; c <= last; c++) {
			if (bounding & (1ULL << c))
				continue;
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
				continue;
			if (errno == EPERM && prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
				continue; /* already gone: nested runtimes may lack CAP_SETPCAP */
			snprintf(msg, sizeof(msg), "dropping capability %d from the bounding set", c);
			cinit_fail(NULL, msg, NULL, errno);
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		cinit_fail(NULL, "setting keep-capabilities", NULL, errno);
	set_groups(cinit_str(r, 2));
	if (syscall(SYS_setresgid, gid, gid, gid) < 0) {
		snprintf(msg, sizeof(msg), "setting gid %lu", gid);
		cinit_fail(NULL, msg, NULL, errno);
	}
	if (syscall(SYS_setresuid, uid, uid, uid) < 0) {
		snprintf(msg, sizeof(msg), "setting uid %lu", uid);
		cinit_fail(NULL, msg, NULL, errno);
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		cinit_fail(NULL, "clearing keep-capabilities", NULL, errno);
	if (!has_caps)
		return;
	set_caps(eff, perm, inh);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && !(errno == EINVAL && amb == 0))
		cinit_fail(NULL, "clearing the ambient capabilities", NULL, errno);
	for (c = 0; c < 64; c++) {
		if (!(amb & (1ULL << c)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) {
			snprintf(msg, sizeof(msg), "raising ambient capability %d", c);
			cinit_fail(NULL, msg, NULL, errno);
		}
	}
}

/*
 * Gives the process a terminal, as the Go init's setupConsole: a pty of
 * the container's devpts, its master sent over the console socket, the
 * slave made stdio and controlling terminal, and for a container's init
 * also bound on /dev/console.
 */
static void console_op(const struct cinit_op_rec *r)
{
	int sock = (int)cinit_num(r, 0), bind = (int)cinit_num(r, 1), unlock = 0, n, master, slave, fd;
	char path[64], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *cmsg;

	if (sock <= 0)
		cinit_fail(NULL, "a terminal was asked for without a console socket", NULL, EINVAL);
	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		cinit_fail(NULL, "opening /dev/ptmx", NULL, errno);
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		cinit_fail(NULL, "unlocking pty", NULL, errno);
	if (ioctl(master, TIOCGPTN, &n) < 0)
		cinit_fail(NULL, "reading pty number", NULL, errno);
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	if (bind) {
		/* Not through a symlink an image put there. */
		fd = open("/dev/console", O_CREAT | O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			cinit_fail(NULL, "creating /dev/console", NULL, errno);
		close(fd);
		if (mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0)
			cinit_fail(NULL, "mounting the pty on /dev/console", NULL, errno);
	}
	memset(&msg, 0, sizeof(msg));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = path;
	iov.iov_len = strlen(path);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
	if (sendmsg(sock, &msg, 0) < 0)
		cinit_fail(NULL, "sending pty master over the console socket", NULL, errno);
	close(sock);
	close(master);
	slave = open(path, O_RDWR | O_NOCTTY);
	if (slave < 0)
		cinit_fail(NULL, "opening", path, errno);
	for (fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			cinit_fail(NULL, "making the pty stdio", NULL, errno);
	if (slave > 2)
		close(slave);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		cinit_fail(NULL, "setting controlling terminal", NULL, errno);
}

static void loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		cinit_fail(NULL, "setting lo up", NULL, errno);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		cinit_fail(NULL, "setting lo up", NULL, errno);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		cinit_fail(NULL, "setting lo up", NULL, errno);
	close(fd);
}

/* Whether path names an executable regular file, as execvp would take it. */
static int executable(const char *path, int *err)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*err = errno;
		return 0;
	}
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
		*err = EACCES;
		return 0;
	}
	return 1;
}

/* Finds the program like execvp would, with the container's PATH. */
static const char *look_path(const char *name, const char *path, char *buf, size_t cap)
{
	char msg[4200];
	int err = 0;
	const char *p = path;
	if (strchr(name, '/')) {
		if (executable(name, &err))
			return name;
		if (err == EACCES)
			snprintf(msg, sizeof(msg), "exec: \"%s\"", name);
		else
			snprintf(msg, sizeof(msg), "exec: \"%s\": stat %s", name, name);
		cinit_fail(NULL, msg, NULL, err);
	}
	for (;;) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0)
			snprintf(buf, cap, "./%s", name);
		else
			snprintf(buf, cap, "%.*s/%s", (int)n, p, name);
		if (executable(buf, &err))
			return buf;
		if (!end)
			break;
		p = end + 1;
	}
	snprintf(msg, sizeof(msg), "exec: \"%s\": executable file not found in $PATH", name);
	cinit_fail(NULL, msg, NULL, 0);
}

/*
 * For a container's init (a fifo fd, not -1), tells the runtime the
 * container is ready and waits for Start to open the exec fifo; then execs
 * the program. The sync socket closes at execve: an exec'd process's
 * runtime takes that for success.
 */
static void exec_op(const struct cinit_op_rec *r)
{
	static const char ready[] = "{\"type\":\"ready\"}\n";
	char pathbuf[4096], name[32];
	int fifo_fd = (int)cinit_num(r, 0), preserve = (int)cinit_num(r, 1);
	int argc = (int)cinit_num(r, 3), i, envc, fd;
	char **argv, **envp;
	const char *path;

	if (argc < 1 || 4 + argc > r->nfields)
		cinit_fail("init plan", "malformed exec", NULL, EINVAL);
	argv = calloc((size_t)argc + 1, sizeof(char *));
	envc = r->nfields - 4 - argc;
	envp = calloc((size_t)envc + 1, sizeof(char *));
	if (!argv || !envp)
		cinit_fail(NULL, "allocating the arguments", NULL, ENOMEM);
	for (i = 0; i < argc; i++)
		argv[i] = r->fields[4 + i];
	for (i = 0; i < envc; i++)
		envp[i] = r->fields[4 + argc + i];
	path = look_path(argv[0], cinit_str(r, 2), pathbuf, sizeof(pathbuf));

	if (fifo_fd >= 0) {
		/* A container's init: ready, then blocked until Start. Until the
		 * runtime has saved the state, nothing could find and delete the
		 * container: if the runtime dies first, so does init, instead of
		 * waiting on the fifo for ever. */
		char line[256];
		hull_write_all(sync_fd, ready, sizeof(ready) - 1);
		read_line(line, sizeof(line));
		if (!strstr(line, "\"committed\""))
			_exit(1);
		/* Opening for writing blocks until Start opens the other end. */
		snprintf(name, sizeof(name), "%d", fifo_fd);
		fd = openat(proc_fd, name, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			cinit_fail(NULL, "opening exec fifo", NULL, errno);
		/* fd stays open: execve closes it, which tells Start the program runs. */
		if (write(fd, "0", 1) != 1)
			cinit_fail(NULL, "writing exec fifo", NULL, errno);
		close(fifo_fd);
	}
	close(proc_fd);
	if (syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		int n;
		for (n = 3 + preserve; n < 1024; n++)
			fcntl(n, F_SETFD, FD_CLOEXEC);
	}
	if (have_late)
		load_seccomp(&late_prog, late_flags);
	execve(path, argv, envp);
	{
		char msg[4200];
		snprintf(msg, sizeof(msg), "exec \"%s\"", path);
		cinit_fail(NULL, msg, NULL, errno);
	}
}

static void run_op(const struct cinit_op_rec *r)
{
	switch (r->op) {
	case OP_HOOKS:
		cinit_sync_hooks();
		break;
	case OP_LOOPBACK_UP:
		loopback_up();
		break;
	case OP_SETSID:
		if (setsid() < 0)
			cinit_fail(NULL, "setsid", NULL, errno);
		break;
	case OP_CONSOLE:
		console_op(r);
		break;
	case OP_CGROUPNS:
		if (unshare(CLONE_NEWCGROUP) < 0)
			cinit_fail(NULL, "creating cgroup namespace", NULL, errno);
		break;
	case OP_KEYRING:
		/* KEYCTL_JOIN_SESSION_KEYRING; kernels without keyrings are fine. */
		syscall(SYS_keyctl, 1, cinit_str(r, 0));
		break;
	case OP_RLIMIT:
		set_rlimit(r);
		break;
	case OP_NO_NEW_PRIVS:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			cinit_fail(NULL, "setting no_new_privs", NULL, errno);
		break;
	case OP_SECCOMP:
		seccomp_op(r);
		break;
	case OP_CREDENTIALS:
		credentials(r);
		break;
	case OP_UMASK:
		umask((mode_t)cinit_num(r, 0));
		break;
	case OP_CWD:
		if (chdir(cinit_str(r, 0)) < 0) {
			char msg[4200];
			snprintf(msg, sizeof(msg), "changing to process.cwd \"%s\"", cinit_str(r, 0));
			cinit_fail(NULL, msg, NULL, errno);
		}
		break;
	case OP_EXEC:
		exec_op(r);
		break;
	default:
		cinit_fs_op(r);
	}
}

void cinit_run(char *buf, size_t len, int fd)
{
	struct cinit_op_rec r;
	size_t off = 4;

	sync_fd = fd;
	if (fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0)
		cinit_fail(NULL, "sync socket", NULL, errno);
	/* The runtime says when to go on: after the preamble's pid message,
	 * and once this process is in all its cgroups. */
	for (;;) {
		char go;
		ssize_t n = read(sync_fd, &go, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1 || go != '1')
			_exit(1);
		break;
	}
	if (len < 4 || memcmp(buf, PLAN_MAGIC, 4) != 0)
		cinit_fail("init plan", "bad magic", NULL, EINVAL);
	/* The exec fifo is reopened through /proc/self/fd, which the new root
	 * may not have: hold on to the host's while it is here. */
	proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0)
		cinit_fail(NULL, "opening /proc/self/fd", NULL, errno);
	while (next_op(buf, len, &off, &r))
		run_op(&r);
	cinit_fail("init plan", "ends without exec", NULL, EINVAL);
}
