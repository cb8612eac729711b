// Package capabilities turns the capability lists of an OCI process
// (process.capabilities in config.json) into what the kernel keeps per
// thread, and applies them in the container's init just before execve.
//
// Why a package of its own: the five sets (bounding, permitted, effective,
// inheritable, ambient) can only be set in one order, and each step needs a
// privilege that a later step takes away. Getting the order wrong either
// fails with a bare EPERM or, worse, leaves the container with more than it
// asked for. Keeping the order and its explanations here lets the runtime's
// init read as a list of steps.
//
// Everything acts on the calling thread only (capset(2) and prctl(2) are
// per-thread). The init runs on a thread locked with runtime.LockOSThread
// and execs from it; the other Go threads die at execve and do not matter.
// No /proc access is needed: the kernel's last capability is probed once
// with PR_CAPBSET_READ, which is what /proc/sys/kernel/cap_last_cap reports.
//
// # Calling sequence in the init
//
// Parse early (in create, for clear errors), apply late:
//
//	set, warnings, err := capabilities.New(spec.Process.Capabilities)
//	// print warnings: names this build knows but the kernel does not
//
//	// still uid 0 with the runtime's full capabilities:
//	set.DropBounding()               // needs CAP_SETPCAP
//	capabilities.SetKeepCaps(true)   // keep permitted across the uid change
//	// setgroups, setresgid, setresuid (Go's syscall package applies them to
//	// every thread; only this thread keeps its capabilities)
//	capabilities.SetKeepCaps(false)
//	set.Apply()                      // capset(2), then raise the ambient set
//	// ... seccomp (see package seccomp for where), then execve
//
// Why this order: dropping from the bounding set needs CAP_SETPCAP in the
// effective set, which the uid change clears. Changing from uid 0 to another
// uid clears the permitted and effective sets unless keep-caps is set, and
// always clears the ambient set, so Apply comes after it. Apply sets
// permitted, effective and inheritable in one capset(2) call and only then
// raises ambient capabilities, which the kernel allows only for capabilities
// already permitted and inheritable.
//
// A nil *Set (from a process without a capabilities object) leaves the
// capabilities as they are, as runc does.
package capabilities
