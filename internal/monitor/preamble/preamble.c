/*
 * hull-monitor's preamble: detaching, and the idle wait. See preamble.go for
 * why these run before the Go runtime.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_IDLE_FDS 16

static void detach(void)
{
	pid_t pid = fork();
	if (pid > 0)
		_exit(0);
	/* On failure the process goes on as the caller's child: the caller's
	 * wait for it then takes the monitor's whole life, but it works. */
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Parses "DEADLINE:FD,FD,..." into fds (after the signalfd in fds[0]). */
static int parse_idle(const char *spec, int64_t *deadline, struct pollfd *fds, int max)
{
	char *end;
	int n = 0;
	*deadline = strtoll(spec, &end, 10);
	if (*end != ':')
		return -1;
	spec = end + 1;
	while (*spec && n < max) {
		long fd = strtol(spec, &end, 10);
		if (end == spec || fd < 0)
			return -1;
		fds[n].fd = (int)fd;
		fds[n].events = POLLIN;
		n++;
		spec = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -1;
	}
	return n;
}

/* Reports whether a child has exited and waits, unreaped, to be seen. */
static int zombie_child(void)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0;
}

static void wait_idle(const char *spec)
{
	struct pollfd fds[MAX_IDLE_FDS + 1];
	sigset_t chld, old;
	int64_t deadline;
	int n, sfd;

	n = parse_idle(spec, &deadline, fds + 1, MAX_IDLE_FDS);
	if (n < 0)
		return; /* malformed: the Go side goes on as if woken */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		goto out;
	fds[0].fd = sfd;
	fds[0].events = POLLIN;
	/* A child that died before SIGCHLD was blocked left no signal to read
	 * here (the Go side's handler took it), only a zombie. */
	if (zombie_child())
		goto out;
	for (;;) {
		struct timespec ts, *timeout = NULL;
		if (deadline > 0) {
			int64_t left = deadline - monotonic_ns();
			if (left <= 0)
				break;
			ts.tv_sec = left / 1000000000;
			ts.tv_nsec = left % 1000000000;
			timeout = &ts;
		}
		if (ppoll(fds, (nfds_t)n + 1, timeout, NULL) >= 0 || errno != EINTR)
			break;
	}
out:
	if (sfd >= 0)
		close(sfd);
	/* SIGCHLD, if pending, is discarded when unblocked (its default
	 * action): the Go side looks for exited children when it starts. */
	sigprocmask(SIG_SETMASK, &old, NULL);
}

__attribute__((constructor)) static void hull_monitor_preamble(void)
{
	const char *idle;

	if (getenv("_HULL_MONITOR_DETACH"))
		detach();
	idle = getenv("_HULL_MONITOR_IDLE");
	if (idle)
		wait_idle(idle);
}
