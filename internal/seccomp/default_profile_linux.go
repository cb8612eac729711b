package seccomp

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/capabilities"
)

// DefaultProfile returns Docker's default seccomp profile as Docker fills it
// in for a container with Docker's default capabilities
// (capabilities.Default) on this machine's architecture.
func DefaultProfile() *specs.LinuxSeccomp {
	return DefaultProfileFor(capabilities.Default())
}

// DefaultProfileFor returns Docker's default seccomp profile for a container
// whose bounding set is caps: like Docker, it allows the system calls a
// capability unlocks (mount with CAP_SYS_ADMIN, ptrace with CAP_SYS_PTRACE,
// ...) only when the container has that capability.
//
// The policy is moby's profiles/seccomp/default.json: everything not listed
// fails with EPERM; the architectures are the native one and those it can
// also run (x86 and x32 on x86_64); socket may not open AF_ALG or AF_VSOCK
// sockets, personality may only set a few harmless personas, clone may not
// create namespaces and clone3 fails with ENOSYS (so that libc falls back to
// clone, whose flags can be checked) unless the container has
// CAP_SYS_ADMIN.
func DefaultProfileFor(caps []string) *specs.LinuxSeccomp {
	arch := profileArches[runtime.GOARCH]
	kernel := kernelVersion()
	errnoRet := uint(unix.EPERM)
	p := &specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: &errnoRet,
		Architectures:   slices.Clone(arch.arches),
		Syscalls: []specs.LinuxSyscall{
			{Names: slices.Clone(defaultAllowed), Action: specs.ActAllow},
		},
	}
	for _, r := range defaultRules {
		if r.applies(arch.name, caps, kernel) {
			p.Syscalls = append(p.Syscalls, r.syscall())
		}
	}
	return p
}

// profileRule is one entry of the profile with Docker's conditions on it.
type profileRule struct {
	names     []string
	action    specs.LinuxSeccompAction
	errnoRet  uint // 0: none
	args      []specs.LinuxSeccompArg
	arches    []string // only on these architectures (libseccomp's names)
	notArches []string // never on these
	caps      []string // only if the container has all of these
	notCaps   []string // never if it has any of these
	minKernel [2]int   // only on this kernel (major, minor) or a newer one
}

func (r profileRule) applies(arch string, caps []string, kernel [2]int) bool {
	if len(r.arches) > 0 && !slices.Contains(r.arches, arch) || slices.Contains(r.notArches, arch) {
		return false
	}
	for _, c := range r.caps {
		if !slices.Contains(caps, c) {
			return false
		}
	}
	for _, c := range r.notCaps {
		if slices.Contains(caps, c) {
			return false
		}
	}
	return kernel[0] > r.minKernel[0] || kernel[0] == r.minKernel[0] && kernel[1] >= r.minKernel[1]
}

func (r profileRule) syscall() specs.LinuxSyscall {
	s := specs.LinuxSyscall{Names: slices.Clone(r.names), Action: r.action, Args: slices.Clone(r.args)}
	if r.errnoRet != 0 {
		ret := r.errnoRet
		s.ErrnoRet = &ret
	}
	return s
}

// kernelVersion returns the running kernel's major and minor version, or
// zeros if uname's release cannot be read.
func kernelVersion() [2]int {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return [2]int{}
	}
	var v [2]int
	fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &v[0], &v[1])
	return v
}

// profileArches: for each Go architecture, the name Docker's profile uses
// for it and the architectures its filter covers (the profile's archMap; an
// architecture missing there gets only the native one).
var profileArches = map[string]struct {
	name   string
	arches []specs.Arch
}{
	"amd64":    {"amd64", []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}},
	"arm64":    {"arm64", []specs.Arch{specs.ArchAARCH64, specs.ArchARM}},
	"mips64":   {"mips64", []specs.Arch{specs.ArchMIPS64, specs.ArchMIPS, specs.ArchMIPS64N32}},
	"mips64le": {"mipsel64", []specs.Arch{specs.ArchMIPSEL64, specs.ArchMIPSEL, specs.ArchMIPSEL64N32}},
	"s390x":    {"s390x", []specs.Arch{specs.ArchS390X, specs.ArchS390}},
	"riscv64":  {"riscv64", []specs.Arch{specs.ArchRISCV64}},
	"386":      {"x86", nil},
	"arm":      {"arm", nil},
	"ppc64le":  {"ppc64le", nil},
	"loong64":  {"loongarch64", nil},
}

// defaultAllowed is what every container may call.
var defaultAllowed = []string{
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
	"capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
	"clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
	"clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat",
	"dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
	"epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
	"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
	"fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2",
	"fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr",
	"flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
	"fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64",
	"futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd", "getdents",
	"getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32",
	"getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
	"getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32",
	"getrlimit", "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
	"get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "getxattrat",
	"inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel",
	"ioctl", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get",
	"ioprio_set", "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule",
	"landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr",
	"link", "linkat", "listen", "listmount", "listxattr", "listxattrat", "llistxattr", "_llseek",
	"lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "map_shadow_stack",
	"membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod",
	"mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr",
	"mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
	"mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd",
	"msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat",
	"_newselect", "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe",
	"pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
	"pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
	"pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
	"readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
	"remap_file_pages", "removexattr", "removexattrat", "rename", "renameat", "renameat2",
	"restart_syscall", "riscv_hwprobe", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
	"rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr",
	"sched_getparam", "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
	"sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
	"sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl",
	"semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64",
	"sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid",
	"setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority", "setregid",
	"setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid",
	"setreuid32", "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
	"set_tid_address", "setuid", "setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt",
	"shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn",
	"socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statmount",
	"statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee",
	"tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
	"timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
	"timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
	"truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime",
	"utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid",
	"write", "writev",
}

// cloneNamespaceFlags is CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|
// CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET (0x7e020000).
const cloneNamespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS |
	unix.CLONE_NEWIPC | unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET

// defaultRules are the rest of the profile, in its order.
var defaultRules = []profileRule{
	// Since Linux 4.8 ptrace can no longer be used to get around seccomp.
	{names: []string{"process_vm_readv", "process_vm_writev", "ptrace"}, action: specs.ActAllow, minKernel: [2]int{4, 8}},
	// Any socket family but AF_ALG (38) and AF_VSOCK (40).
	{names: []string{"socket"}, action: specs.ActAllow, args: argCmp(0, specs.OpLessThan, unix.AF_ALG)},
	{names: []string{"socket"}, action: specs.ActAllow, args: argCmp(0, specs.OpEqualTo, unix.AF_NFC)},
	{names: []string{"socket"}, action: specs.ActAllow, args: argCmp(0, specs.OpGreaterThan, unix.AF_VSOCK)},
	// PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32 and the query 0xffffffff.
	{names: []string{"personality"}, action: specs.ActAllow, args: argCmp(0, specs.OpEqualTo, 0x0)},
	{names: []string{"personality"}, action: specs.ActAllow, args: argCmp(0, specs.OpEqualTo, 0x8)},
	{names: []string{"personality"}, action: specs.ActAllow, args: argCmp(0, specs.OpEqualTo, 0x20000)},
	{names: []string{"personality"}, action: specs.ActAllow, args: argCmp(0, specs.OpEqualTo, 0x20008)},
	{names: []string{"personality"}, action: specs.ActAllow, args: argCmp(0, specs.OpEqualTo, 0xffffffff)},
	{names: []string{"sync_file_range2", "swapcontext"}, action: specs.ActAllow, arches: []string{"ppc64le"}},
	{
		names:  []string{"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls"},
		action: specs.ActAllow, arches: []string{"arm", "arm64"},
	},
	{names: []string{"arch_prctl"}, action: specs.ActAllow, arches: []string{"amd64", "x32"}},
	{names: []string{"modify_ldt"}, action: specs.ActAllow, arches: []string{"amd64", "x32", "x86"}},
	{
		names:  []string{"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"},
		action: specs.ActAllow, arches: []string{"s390", "s390x"},
	},
	{names: []string{"riscv_flush_icache"}, action: specs.ActAllow, arches: []string{"riscv64"}},
	{names: []string{"open_by_handle_at"}, action: specs.ActAllow, caps: []string{"CAP_DAC_READ_SEARCH"}},
	{
		names: []string{
			"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
			"lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr", "mount",
			"mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
			"setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare",
		},
		action: specs.ActAllow, caps: []string{"CAP_SYS_ADMIN"},
	},
	// Without CAP_SYS_ADMIN, clone may not create namespaces (flags are the
	// first argument, the second on s390) ...
	{
		names: []string{"clone"}, action: specs.ActAllow, args: argMasked(0, cloneNamespaceFlags, 0),
		notCaps: []string{"CAP_SYS_ADMIN"}, notArches: []string{"s390", "s390x"},
	},
	{
		names: []string{"clone"}, action: specs.ActAllow, args: argMasked(1, cloneNamespaceFlags, 0),
		arches: []string{"s390", "s390x"}, notCaps: []string{"CAP_SYS_ADMIN"},
	},
	// ... and clone3, whose flags live in memory seccomp cannot read, says
	// ENOSYS so that libc falls back to clone.
	{names: []string{"clone3"}, action: specs.ActErrno, errnoRet: uint(unix.ENOSYS), notCaps: []string{"CAP_SYS_ADMIN"}},
	{names: []string{"reboot"}, action: specs.ActAllow, caps: []string{"CAP_SYS_BOOT"}},
	{names: []string{"chroot"}, action: specs.ActAllow, caps: []string{"CAP_SYS_CHROOT"}},
	{names: []string{"delete_module", "init_module", "finit_module"}, action: specs.ActAllow, caps: []string{"CAP_SYS_MODULE"}},
	{names: []string{"acct"}, action: specs.ActAllow, caps: []string{"CAP_SYS_PACCT"}},
	{
		names:  []string{"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"},
		action: specs.ActAllow, caps: []string{"CAP_SYS_PTRACE"},
	},
	{names: []string{"iopl", "ioperm"}, action: specs.ActAllow, caps: []string{"CAP_SYS_RAWIO"}},
	{
		names:  []string{"settimeofday", "stime", "clock_settime", "clock_settime64"},
		action: specs.ActAllow, caps: []string{"CAP_SYS_TIME"},
	},
	{names: []string{"vhangup"}, action: specs.ActAllow, caps: []string{"CAP_SYS_TTY_CONFIG"}},
	{
		names:  []string{"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"},
		action: specs.ActAllow, caps: []string{"CAP_SYS_NICE"},
	},
	{names: []string{"syslog"}, action: specs.ActAllow, caps: []string{"CAP_SYSLOG"}},
	{names: []string{"bpf"}, action: specs.ActAllow, caps: []string{"CAP_BPF"}},
	{names: []string{"perf_event_open"}, action: specs.ActAllow, caps: []string{"CAP_PERFMON"}},
}

func argCmp(index uint, op specs.LinuxSeccompOperator, value uint64) []specs.LinuxSeccompArg {
	return []specs.LinuxSeccompArg{{Index: index, Value: value, Op: op}}
}

func argMasked(index uint, mask, value uint64) []specs.LinuxSeccompArg {
	return []specs.LinuxSeccompArg{{Index: index, Value: mask, ValueTwo: value, Op: specs.OpMaskedEqual}}
}
