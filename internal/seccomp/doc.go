// Package seccomp turns the seccomp section of config.json
// (linux.seccomp) into a BPF program and installs it in the container's init
// just before execve; it also carries Docker's default profile and what the
// runtime's features command reports about seccomp.
//
// Why it is split in two steps, Compile and Filter.Load: building a program
// with libseccomp is slow (Docker's profile for x86_64, x86 and x32 takes
// libseccomp about 20 ms, more than a whole container start with crun), while
// loading one is a single seccomp(2) call (about 0.3 ms for that profile on
// an idle test machine, nearly all of it the kernel checking, translating
// and JIT-compiling the program). Compile needs no privilege and can run in
// the runtime while the container is being set up, or be skipped altogether
// through a Cache, because most containers share a handful of profiles. The
// init only loads.
//
// hull hands the program to seccomp(2) itself instead of calling
// seccomp_load: that makes every flag of config.json available whatever the
// libseccomp version (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs
// libseccomp 2.6 otherwise), and it never sets no_new_privs behind the
// runtime's back: the runtime sets it only when process.noNewPrivileges asks.
//
// # Calling sequence
//
// In create (or whatever starts the init):
//
//	if err := seccomp.Validate(spec.Linux.Seccomp); err != nil { ... } // early, clear errors
//	f, err := seccomp.Cache{Dir: "/run/hull/seccomp"}.Compile(spec.Linux.Seccomp)
//	b, _ := f.MarshalBinary() // sent to the init with the rest of its config
//
// In the init, on its locked thread, following runc's order (see package
// capabilities for the steps around the uid change):
//
//	if noNewPrivileges { prctl(PR_SET_NO_NEW_PRIVS, 1) }
//	if !noNewPrivileges { fd, err = f.Load() } // needs CAP_SYS_ADMIN: load while still root
//	caps.DropBounding(); SetKeepCaps(true); setresuid...; SetKeepCaps(false); caps.Apply()
//	...                                        // wait for start
//	if noNewPrivileges { fd, err = f.Load() }  // as late as possible
//	// if fd >= 0: hand it to the parent for the listenerPath agent, close it
//	execve(...)
//
// Without no_new_privs the kernel accepts a filter only from a thread with
// CAP_SYS_ADMIN, which the init loses when it switches to the container's
// user; so the filter goes in first, and it then also filters the init's
// remaining setup calls (capset, prctl, setresuid, ...), which a profile must
// therefore allow, as Docker's does. With no_new_privs the filter can wait
// until just before execve, so that it sees as little of the init as
// possible.
package seccomp
