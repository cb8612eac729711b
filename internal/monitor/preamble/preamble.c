/*
 * hull-monitor's preamble: detaching, and the idle wait. See preamble.go for
 * why these run before the Go runtime.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_IDLE_FDS 16
#define MAX_DROPS 32

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

/*
 * Drops this process's read-only file mappings (its binary's code and
 * constants, and a dynamic build's C library and loader), which start-up
 * and the kernel's fault-around brought in: most of a MiB of resident
 * pages the wait never uses. Only mappings without a private copy of any
 * page (smaps' "Anonymous: 0 kB") go: their pages are the file's, so
 * nothing is lost; the few the wait touches come back at once, the rest
 * when the Go runtime starts. A RELRO segment, which the loader (or a
 * static binary's start-up, for its IFUNCs) wrote before making it
 * read-only, has private pages and stays.
 */
static void drop_file_pages(void)
{
	char line[512];
	unsigned long ranges[MAX_DROPS][2], start = 0, end = 0;
	int i, nranges = 0, candidate = 0;
	FILE *smaps = fopen("/proc/self/smaps", "re");

	if (!smaps)
		return;
	while (nranges < MAX_DROPS && fgets(line, sizeof(line), smaps)) {
		char perms[5];
		unsigned long anon, s, e;
		/* sscanf stores what it parsed even when a later part fails,
		 * and "AnonHugePages:" starts with a hex digit. */
		if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) == 3) {
			start = s;
			end = e;
			candidate = perms[1] == '-' && strchr(line, '/') != NULL;
		} else if (candidate && sscanf(line, "Anonymous: %lu kB", &anon) == 1) {
			if (anon == 0) {
				ranges[nranges][0] = start;
				ranges[nranges][1] = end;
				nranges++;
			}
			candidate = 0;
		}
	}
	fclose(smaps);
	/* Only now: the code above would bring the pages straight back. */
	for (i = 0; i < nranges; i++)
		madvise((void *)ranges[i][0], ranges[i][1] - ranges[i][0], MADV_DONTNEED);
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
	drop_file_pages();
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
