// hull-init, in full: it runs from a constructor, before Go's runtime, and
// exits there, so that a container's PID 1 costs what a C init costs. See
// main.go for why, and package reaper for what it does and its tests.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] = "usage: hull-init [-g] [-s] [--] command [argument...]\n";

// searched when the environment has no PATH, as runc and Docker do
static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// ERR_NOT_IN_PATH stands for "not found in $PATH" in the child's report,
// which otherwise carries an errno.
#define ERR_NOT_IN_PATH (-1)

struct options {
	char **args;
	int group;     // -g: signal the child's process group
	int subreaper; // -s: adopt orphans when not PID 1
};

// parse reads the flags before the command: bundled, ended by "--" or the
// first argument that is not a flag. It returns 0, or the status to exit
// with after printing usage.
static int parse(int argc, char **argv, struct options *o)
{
	int i = 1;
	for (; i < argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--help") == 0) {
			fputs(usage, stderr);
			return -1;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		for (char *c = a + 1; *c; c++) {
			switch (*c) {
			case 'g': o->group = 1; break;
			case 's': o->subreaper = 1; break;
			case 'h': fputs(usage, stderr); return -1;
			default:
				fprintf(stderr, "hull-init: unknown flag -%c\n%s", *c, usage);
				return 1;
			}
		}
	}
	if (i >= argc) {
		fprintf(stderr, "hull-init: no command given\n%s", usage);
		return 1;
	}
	o->args = argv + i;
	return 0;
}

// look_path finds name as execvp would: a name with a slash as it is,
// otherwise the first executable regular file of that name in $PATH, or
// failing that the first one that is not executable, so that execve
// reports the permission error against it. It returns NULL with *err set
// when there is none.
static char *look_path(const char *name, int *err)
{
	if (strchr(name, '/'))
		return strdup(name);
	if (*name == '\0') {
		*err = ENOENT;
		return NULL;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = default_path;
	char *denied = NULL;
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		char *cand;
		// an empty entry is the working directory, as in a shell
		if (asprintf(&cand, "%.*s/%s", end == p ? 1 : (int)(end - p), end == p ? "." : p, name) < 0) {
			*err = ENOMEM;
			free(denied);
			return NULL;
		}
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(cand, X_OK) == 0) {
				free(denied);
				return cand;
			}
			if (!denied) {
				denied = cand;
				cand = NULL;
			}
		}
		free(cand);
		if (*end == '\0')
			break;
		p = end;
	}
	if (!denied)
		*err = ERR_NOT_IN_PATH;
	return denied;
}

// is_sync reports the signals the kernel raises for a fault of the
// process itself; they are never blocked, or a fault would hang us.
static int is_sync(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP || sig == SIGSYS || sig == SIGABRT;
}

// start forks the child, in a process group of its own and, when stdin is
// our controlling terminal, in the terminal's foreground, with the signal
// mask we had. The child reports a failed exec as an int on a close-on-exec
// pipe: nothing arrives when the exec succeeds.
static pid_t start(struct options *o, const sigset_t *orig, int *err)
{
	char *path = look_path(o->args[0], err);
	if (!path)
		return -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		*err = errno;
		free(path);
		return -1;
	}
	int tty = tcgetpgrp(0) >= 0;
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		// all signals are blocked here, SIGTTOU too, which would
		// otherwise stop a background group touching the terminal
		if (tty)
			tcsetpgrp(0, getpid());
		sigprocmask(SIG_SETMASK, orig, NULL);
		execv(path, o->args);
		int e = errno;
		(void)!write(p[1], &e, sizeof e);
		_exit(127);
	}
	free(path);
	close(p[1]);
	if (pid < 0) {
		*err = errno;
		close(p[0]);
		return -1;
	}
	int e;
	ssize_t n;
	while ((n = read(p[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(p[0]);
	if (n == sizeof e) {
		waitpid(pid, NULL, 0);
		*err = e;
		return -1;
	}
	return pid;
}

// exec_failure says why the command could not run, in the words Docker
// and Go use, and returns a shell's status for it: 127 when there is no
// such command, 126 when it cannot be executed.
static int exec_failure(const char *name, int err)
{
	if (err == ERR_NOT_IN_PATH) {
		fprintf(stderr, "hull-init: exec \"%s\": executable file not found in $PATH\n", name);
		return 127;
	}
	char msg[128];
	snprintf(msg, sizeof msg, "%s", strerror(err));
	if (msg[0] >= 'A' && msg[0] <= 'Z')
		msg[0] += 'a' - 'A';
	fprintf(stderr, "hull-init: exec \"%s\": %s\n", name, msg);
	return err == ENOENT || err == ENOTDIR ? 127 : 126;
}

static int status_of(int ws)
{
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
}

// supervise forwards every signal we receive to the child (or its group)
// and reaps every zombie, until the child itself has exited; it returns the
// child's status. Orphans still running are not waited for: when PID 1
// exits, the kernel kills the rest of its pid namespace.
static int supervise(pid_t child, int group, const sigset_t *set)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si);
		if (sig < 0)
			continue; // EINTR
		if (sig == SIGTTIN || sig == SIGTTOU)
			continue; // about us, a background group at the terminal
		if (sig != SIGCHLD) {
			kill(group ? -child : child, sig);
			continue;
		}
		int ws, done = -1;
		pid_t pid;
		while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
			if (pid == child)
				done = status_of(ws);
		}
		if (done >= 0)
			return done;
		if (pid < 0 && errno == ECHILD)
			return 1; // someone else's wait took our child
	}
}

__attribute__((constructor)) static void hull_init(int argc, char **argv)
{
	struct options o = {0};
	int rc = parse(argc, argv, &o);
	if (rc)
		exit(rc < 0 ? 0 : rc);
	// Everything we may forward is blocked from the first instruction and
	// taken with sigwaitinfo, so no signal is lost or acted on by default
	// while the child starts, and PID 1 needs no handlers at all.
	sigset_t set, orig;
	sigfillset(&set);
	for (int s = 1; s < NSIG; s++) {
		if (is_sync(s))
			sigdelset(&set, s);
	}
	sigprocmask(SIG_BLOCK, &set, &orig);
	if (o.subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "hull-init: becoming a child subreaper: %s\n", strerror(errno));
		exit(1);
	}
	int err = 0;
	pid_t child = start(&o, &orig, &err);
	if (child < 0)
		exit(exec_failure(o.args[0], err));
	exit(supervise(child, o.group, &set));
}
