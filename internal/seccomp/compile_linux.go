package seccomp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// maxInstructions is the most a seccomp program may hold (BPF_MAXINSNS).
const maxInstructions = 4096

// Compile validates s and builds its BPF program with libseccomp, without
// loading it. It needs no privilege and may run anywhere on the same
// machine: in the runtime's create command, concurrently with the rest of
// container setup, or through a Cache. The result is loaded with
// Filter.Load in the init.
//
// How config.json maps onto libseccomp, as runc does it:
//   - a system call name libseccomp does not know for the native
//     architecture is skipped;
//   - a rule whose action equals the default action is skipped (libseccomp
//     refuses it; it changes nothing);
//   - SCMP_ACT_ERRNO and SCMP_ACT_TRACE without errnoRet return EPERM;
//   - conditions on different arguments must all hold (one rule), but
//     libseccomp cannot compare one argument twice in a rule, so when any
//     argument index repeats, every condition becomes a rule of its own and
//     any one of them matching is enough;
//   - SCMP_CMP_MASKED_EQ takes the mask from value and compares the masked
//     argument with valueTwo.
func Compile(s *specs.LinuxSeccomp) (*Filter, error) { return compile(s, binaryTree) }

// libseccomp's optimization levels: 1 tests the system calls one after the
// other, 2 finds them with a binary search. Level 2 takes libseccomp a third
// longer to build, but its programs are checked faster at every system call
// whose verdict the kernel cannot cache, and load in half the time, since
// at load the kernel runs the program once for every system call number to
// fill that cache.
const (
	linear     = 1
	binaryTree = 2
)

func compile(s *specs.LinuxSeccomp, optimize int) (*Filter, error) {
	if s == nil {
		return nil, fmt.Errorf("seccomp: no configuration: %w", errdefs.ErrInvalidArgument)
	}
	if err := Validate(s); err != nil {
		return nil, err
	}
	def := scmpAction(s.DefaultAction, s.DefaultErrnoRet)
	lf, err := libseccomp.NewFilter(def)
	if err != nil {
		// Validate passed, so libseccomp or the kernel lacks the action.
		return nil, fmt.Errorf("seccomp: creating filter with default action %s: %w: %w", s.DefaultAction, err, errdefs.ErrUnavailable)
	}
	defer lf.Release()
	// Before libseccomp 2.5 there is only the linear layout; it is as correct.
	_ = lf.SetOptimize(optimize)
	for _, a := range s.Architectures {
		if err := lf.AddArch(arches[a]); err != nil {
			return nil, archError(a, err)
		}
	}
	f := &Filter{}
	for _, fl := range s.Flags {
		f.flags |= flags[fl]
	}
	for i, call := range s.Syscalls {
		added, err := addRules(lf, def, call)
		if err != nil {
			return nil, fmt.Errorf("seccomp: syscalls[%d]: %w", i, err)
		}
		f.notify = f.notify || added && call.Action == specs.ActNotify
	}
	if f.program, err = export(lf); err != nil {
		return nil, err
	}
	return f, nil
}

// scmpAction gives libseccomp's action, with its 16 bits of data in the top
// half as the binding expects them.
func scmpAction(a specs.LinuxSeccompAction, errnoRet *uint) libseccomp.ScmpAction {
	act := actions[a]
	if act == libseccomp.ActErrno || act == libseccomp.ActTrace {
		ret := uint(unix.EPERM)
		if errnoRet != nil {
			ret = *errnoRet
		}
		act |= libseccomp.ScmpAction(ret&0xffff) << 16
	}
	return act
}

// addRules adds one config.json rule, reporting whether any system call name
// made it into the filter.
func addRules(lf *libseccomp.ScmpFilter, def libseccomp.ScmpAction, call specs.LinuxSyscall) (bool, error) {
	act := scmpAction(call.Action, call.ErrnoRet)
	if act == def {
		return false, nil
	}
	groups, err := conditionGroups(call.Args)
	if err != nil {
		return false, err
	}
	added := false
	for _, name := range call.Names {
		nr, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			continue // unknown here: skipped, as runc does
		}
		for _, conds := range groups {
			if len(conds) == 0 {
				err = lf.AddRule(nr, act)
			} else {
				err = lf.AddRuleConditional(nr, act, conds)
			}
			if err != nil {
				return added, fmt.Errorf("adding rule for %q: %w: %w", name, err, errdefs.ErrInvalidArgument)
			}
		}
		added = true
	}
	return added, nil
}

// conditionGroups returns the rules one config.json entry becomes, each as
// the conditions that must all hold: one rule with every condition, or, when
// an argument is compared twice, one rule per condition.
func conditionGroups(args []specs.LinuxSeccompArg) ([][]libseccomp.ScmpCondition, error) {
	conds := make([]libseccomp.ScmpCondition, 0, len(args))
	var seen [maxArgs]bool
	repeated := false
	for j, arg := range args {
		values := []uint64{arg.Value}
		if arg.Op == specs.OpMaskedEqual {
			values = append(values, arg.ValueTwo)
		}
		c, err := libseccomp.MakeCondition(arg.Index, operators[arg.Op], values...)
		if err != nil {
			return nil, fmt.Errorf("args[%d]: %w: %w", j, err, errdefs.ErrInvalidArgument)
		}
		conds = append(conds, c)
		repeated = repeated || seen[arg.Index]
		seen[arg.Index] = true
	}
	if !repeated {
		return [][]libseccomp.ScmpCondition{conds}, nil
	}
	groups := make([][]libseccomp.ScmpCondition, len(conds))
	for j := range conds {
		groups[j] = conds[j : j+1]
	}
	return groups, nil
}

func archError(a specs.Arch, err error) error {
	if errors.Is(err, syscall.EDOM) {
		return fmt.Errorf("seccomp: adding architecture %s: one filter cannot mix big- and little-endian architectures: %w",
			a, errdefs.ErrInvalidArgument)
	}
	return fmt.Errorf("seccomp: adding architecture %s: %w: %w", a, err, errdefs.ErrUnavailable)
}

// export has libseccomp write the program into a memfd and reads it back.
// (seccomp_export_bpf_mem would avoid the file, but needs libseccomp 2.6.)
func export(lf *libseccomp.ScmpFilter) ([]unix.SockFilter, error) {
	fd, err := unix.MemfdCreate("hull-seccomp", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("seccomp: exporting program: %w", err)
	}
	file := os.NewFile(uintptr(fd), "hull-seccomp")
	defer file.Close()
	if err := lf.ExportBPF(file); err != nil {
		return nil, fmt.Errorf("seccomp: exporting program: %w", err)
	}
	st, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("seccomp: reading exported program: %w", err)
	}
	if st.Size() > 8*maxInstructions {
		return nil, fmt.Errorf("seccomp: program has %d instructions, the kernel takes %d at most: %w",
			st.Size()/8, maxInstructions, errdefs.ErrInvalidArgument)
	}
	b := make([]byte, st.Size())
	if _, err := file.ReadAt(b, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("seccomp: reading exported program: %w", err)
	}
	return decodeProgram(b)
}

// decodeProgram reads struct sock_filter records in native byte order.
func decodeProgram(b []byte) ([]unix.SockFilter, error) {
	if len(b)%8 != 0 || len(b) == 0 {
		return nil, fmt.Errorf("seccomp: program of %d bytes is not a list of instructions: %w", len(b), errdefs.ErrInvalidArgument)
	}
	if len(b)/8 > maxInstructions {
		return nil, fmt.Errorf("seccomp: program has %d instructions, the kernel takes %d at most: %w",
			len(b)/8, maxInstructions, errdefs.ErrInvalidArgument)
	}
	prog := make([]unix.SockFilter, len(b)/8)
	for i := range prog {
		r := b[8*i:]
		prog[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(r[0:]),
			Jt:   r[2],
			Jf:   r[3],
			K:    binary.NativeEndian.Uint32(r[4:]),
		}
	}
	return prog, nil
}
