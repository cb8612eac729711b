package seccomp

import (
	"slices"
	"sync"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// The names config.json uses (runtime-spec config-linux.md, "Seccomp") and
// what each stands for in libseccomp or seccomp(2).

var actions = map[specs.LinuxSeccompAction]libseccomp.ScmpAction{
	specs.ActKill:        libseccomp.ActKillThread, // libseccomp's SCMP_ACT_KILL
	specs.ActKillProcess: libseccomp.ActKillProcess,
	specs.ActKillThread:  libseccomp.ActKillThread,
	specs.ActTrap:        libseccomp.ActTrap,
	specs.ActErrno:       libseccomp.ActErrno,
	specs.ActTrace:       libseccomp.ActTrace,
	specs.ActAllow:       libseccomp.ActAllow,
	specs.ActLog:         libseccomp.ActLog,
	specs.ActNotify:      libseccomp.ActNotify,
}

var operators = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpNotEqual:     libseccomp.CompareNotEqual,
	specs.OpLessThan:     libseccomp.CompareLess,
	specs.OpLessEqual:    libseccomp.CompareLessOrEqual,
	specs.OpEqualTo:      libseccomp.CompareEqual,
	specs.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  libseccomp.CompareGreater,
	specs.OpMaskedEqual:  libseccomp.CompareMaskedEqual,
}

var arches = map[specs.Arch]libseccomp.ScmpArch{
	specs.ArchX86:         libseccomp.ArchX86,
	specs.ArchX86_64:      libseccomp.ArchAMD64,
	specs.ArchX32:         libseccomp.ArchX32,
	specs.ArchARM:         libseccomp.ArchARM,
	specs.ArchAARCH64:     libseccomp.ArchARM64,
	specs.ArchMIPS:        libseccomp.ArchMIPS,
	specs.ArchMIPS64:      libseccomp.ArchMIPS64,
	specs.ArchMIPS64N32:   libseccomp.ArchMIPS64N32,
	specs.ArchMIPSEL:      libseccomp.ArchMIPSEL,
	specs.ArchMIPSEL64:    libseccomp.ArchMIPSEL64,
	specs.ArchMIPSEL64N32: libseccomp.ArchMIPSEL64N32,
	specs.ArchPPC:         libseccomp.ArchPPC,
	specs.ArchPPC64:       libseccomp.ArchPPC64,
	specs.ArchPPC64LE:     libseccomp.ArchPPC64LE,
	specs.ArchS390:        libseccomp.ArchS390,
	specs.ArchS390X:       libseccomp.ArchS390X,
	specs.ArchPARISC:      libseccomp.ArchPARISC,
	specs.ArchPARISC64:    libseccomp.ArchPARISC64,
	specs.ArchRISCV64:     libseccomp.ArchRISCV64,
	specs.ArchLOONGARCH64: libseccomp.ArchLOONGARCH64,
	specs.ArchM68K:        libseccomp.ArchM68K,
	specs.ArchSH:          libseccomp.ArchSH,
	specs.ArchSHEB:        libseccomp.ArchSHEB,
}

// flags are passed to seccomp(2) as they are: hull loads the program itself
// (see Filter.Load), so no libseccomp attribute stands in between.
var flags = map[specs.LinuxSeccompFlag]uint{
	"SECCOMP_FILTER_FLAG_TSYNC":            unix.SECCOMP_FILTER_FLAG_TSYNC,
	specs.LinuxSeccompFlagLog:              unix.SECCOMP_FILTER_FLAG_LOG,
	specs.LinuxSeccompFlagSpecAllow:        unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
	specs.LinuxSeccompFlagWaitKillableRecv: unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
}

// archSupported tells which architectures the linked libseccomp can build
// filters for (2.5 lacks loongarch64, m68k and sh). Asking costs no system
// call: the binding knows what the C library was built with.
var archSupported = sync.OnceValue(func() map[specs.Arch]bool {
	ok := make(map[specs.Arch]bool, len(arches))
	f, err := libseccomp.NewFilter(libseccomp.ActAllow)
	if err != nil {
		return ok
	}
	defer f.Release()
	for name, a := range arches {
		_, err := f.IsArchPresent(a)
		ok[name] = err == nil
	}
	return ok
})

// flagSupported tells which flags the running kernel accepts, asked once:
// seccomp(2) with a known flag and no program fails with EFAULT, with an
// unknown one with EINVAL, before it checks any privilege.
var flagSupported = sync.OnceValue(func() map[uint]bool {
	ok := map[uint]bool{}
	for _, fl := range []uint{
		unix.SECCOMP_FILTER_FLAG_TSYNC,
		unix.SECCOMP_FILTER_FLAG_LOG,
		unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
		unix.SECCOMP_FILTER_FLAG_NEW_LISTENER,
		unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
	} {
		ok[fl] = probeFlags(fl)
	}
	// The kernel takes WAIT_KILLABLE_RECV only along with NEW_LISTENER.
	ok[unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV] = probeFlags(
		unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
	return ok
})

func probeFlags(fl uint) bool {
	_, err := seccomp(unix.SECCOMP_SET_MODE_FILTER, fl, nil)
	return err == unix.EFAULT
}

func sortedKeys[K ~string, V any](m map[K]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	slices.Sort(out)
	return out
}
