package seccomp

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// These tests run the compiled programs in a small classic-BPF interpreter
// over struct seccomp_data, so that they can check every system call number
// of every architecture without root, including the x86 and x32 ABIs no
// test process here speaks.

type seccompData struct {
	nr   int32
	arch uint32
	args [6]uint64
}

func (d seccompData) word(off uint32) (uint32, error) {
	var b [64]byte
	binary.NativeEndian.PutUint32(b[0:], uint32(d.nr))
	binary.NativeEndian.PutUint32(b[4:], d.arch)
	for i, a := range d.args {
		binary.NativeEndian.PutUint64(b[16+8*i:], a)
	}
	if off%4 != 0 || off > 60 {
		return 0, fmt.Errorf("load at offset %d", off)
	}
	return binary.NativeEndian.Uint32(b[off:]), nil
}

// run interprets the instructions seccomp accepts (the kernel's
// seccomp_check_filter list) and returns the verdict.
func run(prog []unix.SockFilter, d seccompData) (uint32, error) {
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		var err error
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			a, err = d.word(in.K)
		case unix.BPF_LD | unix.BPF_IMM:
			a = in.K
		case unix.BPF_LDX | unix.BPF_IMM:
			x = in.K
		case unix.BPF_LD | unix.BPF_MEM:
			a = mem[in.K%16]
		case unix.BPF_LDX | unix.BPF_MEM:
			x = mem[in.K%16]
		case unix.BPF_ST:
			mem[in.K%16] = a
		case unix.BPF_STX:
			mem[in.K%16] = x
		case unix.BPF_ALU | unix.BPF_AND | unix.BPF_K:
			a &= in.K
		case unix.BPF_ALU | unix.BPF_OR | unix.BPF_K:
			a |= in.K
		case unix.BPF_MISC | unix.BPF_TAX:
			x = a
		case unix.BPF_MISC | unix.BPF_TXA:
			a = x
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(in.K)
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K:
			pc += jump(a == in.K, in)
		case unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K:
			pc += jump(a > in.K, in)
		case unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K:
			pc += jump(a >= in.K, in)
		case unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K:
			pc += jump(a&in.K != 0, in)
		case unix.BPF_RET | unix.BPF_K:
			return in.K, nil
		case unix.BPF_RET | unix.BPF_A:
			return a, nil
		default:
			err = fmt.Errorf("instruction %d: opcode %#x not interpreted", pc, in.Code)
		}
		if err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("ran off the end of the program")
}

func jump(cond bool, in unix.SockFilter) int {
	if cond {
		return int(in.Jt)
	}
	return int(in.Jf)
}

const x32Bit = 0x40000000

// probeArgs are argument values the default profile's conditions tell apart.
var probeArgs = []uint64{0, 8, 0x20000, 0x20008, 0xffffffff, 0xffffffffffffffff,
	unix.AF_INET, unix.AF_ALG, unix.AF_NFC, unix.AF_VSOCK, unix.AF_VSOCK + 1,
	unix.CLONE_NEWNS, unix.CLONE_NEWUSER | uint64(unix.SIGCHLD), uint64(unix.SIGCHLD), 1 << 40}

// TestBinaryTreeMatchesLinear: the programs libseccomp builds at both
// optimization levels give the same verdict for every system call number of
// x86_64, x32 and x86 with every probe argument.
func TestBinaryTreeMatchesLinear(t *testing.T) {
	for _, p := range []*specs.LinuxSeccomp{DefaultProfile(), DefaultProfileFor([]string{"CAP_SYS_ADMIN"})} {
		p.Architectures = []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}
		lin, err := compile(p, linear)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := compile(p, binaryTree)
		if err != nil {
			t.Fatal(err)
		}
		for _, arch := range []uint32{unix.AUDIT_ARCH_X86_64, unix.AUDIT_ARCH_I386, unix.AUDIT_ARCH_AARCH64} {
			for _, base := range []int32{0, x32Bit} {
				for nr := base; nr < base+600; nr++ {
					for _, arg := range probeArgs {
						d := seccompData{nr: nr, arch: arch, args: [6]uint64{arg, arg, arg, arg, arg, arg}}
						want, err1 := run(lin.program, d)
						got, err2 := run(tree.program, d)
						if err1 != nil || err2 != nil || got != want {
							t.Fatalf("arch %#x nr %#x arg %#x: tree %#x (%v), linear %#x (%v)",
								arch, nr, arg, got, err2, want, err1)
						}
					}
				}
			}
		}
	}
}

// TestDefaultProfileVerdicts checks what Docker's profile decides for a few
// calls, through the program hull loads.
func TestDefaultProfileVerdicts(t *testing.T) {
	p := DefaultProfile()
	p.Architectures = []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}
	f, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	const (
		allow = unix.SECCOMP_RET_ALLOW
		eperm = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	)
	x86_64, i386 := uint32(unix.AUDIT_ARCH_X86_64), uint32(unix.AUDIT_ARCH_I386)
	for _, c := range []struct {
		what string
		d    seccompData
		want uint32
	}{
		{"read", seccompData{nr: 0, arch: x86_64}, allow},
		{"read on x86", seccompData{nr: 3, arch: i386}, allow},
		{"read on x32", seccompData{nr: x32Bit + 0, arch: x86_64}, allow},
		{"mount", seccompData{nr: 165, arch: x86_64}, eperm},
		{"mount on x86", seccompData{nr: 21, arch: i386}, eperm},
		{"clone3", seccompData{nr: 435, arch: x86_64}, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"clone", seccompData{nr: 56, arch: x86_64, args: [6]uint64{uint64(unix.SIGCHLD)}}, allow},
		{"clone with CLONE_NEWUSER", seccompData{nr: 56, arch: x86_64, args: [6]uint64{unix.CLONE_NEWUSER}}, eperm},
		{"socket AF_INET", seccompData{nr: 41, arch: x86_64, args: [6]uint64{unix.AF_INET}}, allow},
		{"socket AF_VSOCK", seccompData{nr: 41, arch: x86_64, args: [6]uint64{unix.AF_VSOCK}}, eperm},
		{"socket AF_ALG", seccompData{nr: 41, arch: x86_64, args: [6]uint64{unix.AF_ALG}}, eperm},
		{"personality query", seccompData{nr: 135, arch: x86_64, args: [6]uint64{0xffffffff}}, allow},
		{"personality READ_IMPLIES_EXEC", seccompData{nr: 135, arch: x86_64, args: [6]uint64{0x0400000}}, eperm},
		{"a number no kernel has yet", seccompData{nr: 599, arch: x86_64}, eperm},
	} {
		got, err := run(f.program, c.d)
		if err != nil || got != c.want {
			t.Errorf("%s: verdict %#x (%v), want %#x", c.what, got, err, c.want)
		}
	}
	bad, err := run(f.program, seccompData{nr: 0, arch: unix.AUDIT_ARCH_AARCH64})
	if err != nil || bad&unix.SECCOMP_RET_ACTION_FULL != unix.SECCOMP_RET_KILL_THREAD {
		t.Errorf("an architecture outside the filter: verdict %#x (%v), want the thread killed", bad, err)
	}
}
