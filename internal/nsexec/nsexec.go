// Package nsexec is the C preamble that places a new process in a
// container's namespaces before the Go runtime starts.
//
// Go starts several threads before main runs, and the kernel refuses setns
// into a mount or user namespace, and unshare of a user namespace, to a
// multi-threaded process; a process also enters a pid namespace only by being
// born into it. So the runtime re-executes its own binary with the
// environment variable _HULL_BOOTSTRAP naming one end of a socket, and the
// constructor in nsexec.c, which runs before the Go runtime, reads which
// namespaces to join and create, does so, and forks the process that goes on
// as the container's init (or as an exec'd process) inside them. When the
// request carries a plan (package initplan), that process is the C init
// (cinit.c, with cinit_root.c, cinit_mount.c and cinit_fs.c): it runs the
// plan and execs the container's program, and Go never starts in the
// container.
//
// Import this package for its side effect, only from the binary that the
// runtime re-executes:
//
//	import _ "github.com/hullrt/hull/internal/nsexec"
//
// Without _HULL_BOOTSTRAP in the environment the constructor returns at once.
package nsexec

// #cgo CFLAGS: -Wall -O2
// #include "cinit.h"
import "C"

// cOps are cinit.h's operation codes by initplan's names, for the test that
// keeps the two lists equal.
func cOps() map[string]int {
	return map[string]int{
		"PrepareRoot": C.OP_PREPARE_ROOT, "MountNew": C.OP_MOUNT_NEW, "MountBind": C.OP_MOUNT_BIND,
		"MountCgroup1": C.OP_MOUNT_CGROUP1, "MountCgroup2": C.OP_MOUNT_CGROUP2, "Dev": C.OP_DEV,
		"Device": C.OP_DEVICE, "DevSymlink": C.OP_DEV_SYMLINK, "DevPtmx": C.OP_DEV_PTMX,
		"CreateCwd": C.OP_CREATE_CWD, "Hooks": C.OP_HOOKS, "Pivot": C.OP_PIVOT, "Hostname": C.OP_HOSTNAME,
		"Sysctl": C.OP_SYSCTL, "Readonly": C.OP_READONLY, "Mask": C.OP_MASK, "RemountRO": C.OP_REMOUNT_RO,
		"ReadonlyRoot": C.OP_READONLY_ROOT, "LoopbackUp": C.OP_LOOPBACK_UP, "CgroupNS": C.OP_CGROUPNS,
		"Keyring": C.OP_KEYRING, "Rlimit": C.OP_RLIMIT, "NoNewPrivs": C.OP_NO_NEW_PRIVS,
		"Seccomp": C.OP_SECCOMP, "Credentials": C.OP_CREDENTIALS, "Umask": C.OP_UMASK, "Cwd": C.OP_CWD,
		"Exec": C.OP_EXEC, "Setsid": C.OP_SETSID, "Console": C.OP_CONSOLE,
	}
}
