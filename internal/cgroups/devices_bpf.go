package cgroups

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On cgroup v2 the kernel asks a BPF_PROG_TYPE_CGROUP_DEVICE program
// attached to the cgroup (and those of its ancestors) whether a device may
// be opened or created. Its context is struct bpf_cgroup_dev_ctx:
//
//	u32 access_type  // (access bits << 16) | device type
//	u32 major
//	u32 minor
//
// and it returns 1 to allow, 0 to deny. hull assembles the program by hand
// from the rules: it is a straight sequence of comparisons, no maps, no
// helpers, and needs no compiler or library.
//
// The program decides each requested access bit (m, r, w) on its own: for a
// bit it walks the rules that mention that bit from the last to the first
// and takes the verdict of the first one whose device matches, or the
// default (allow, what a cgroup without a program has) when none does. A
// request is allowed when every bit it asks for is. This is the spec's
// "later rules override earlier ones", exactly, even for rules that grant
// r and w for the same device separately.

// bpfInsn is one eBPF instruction (struct bpf_insn).
type bpfInsn struct {
	code uint8
	regs uint8 // dst in the low nibble, src in the high one
	off  int16
	imm  int32
}

// Registers the program keeps the context in.
const (
	regResult = 0
	regCtx    = 1 // then scratch
	regType   = 2
	regAccess = 3
	regMajor  = 4
	regMinor  = 5
)

func ins(code uint8, dst, src uint8, off int16, imm int32) bpfInsn {
	return bpfInsn{code: code, regs: dst | src<<4, off: off, imm: imm}
}

const (
	opLoadWord = unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W
	opAnd32    = unix.BPF_ALU | unix.BPF_AND | unix.BPF_K
	opRsh32    = unix.BPF_ALU | unix.BPF_RSH | unix.BPF_K
	opMov32Reg = unix.BPF_ALU | unix.BPF_MOV | unix.BPF_X
	opMovImm   = unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_K
	opJneImm   = unix.BPF_JMP | unix.BPF_JNE | unix.BPF_K
	opJeqImm   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	opJa       = unix.BPF_JMP | unix.BPF_JA
	opExit     = unix.BPF_JMP | unix.BPF_EXIT
)

// deviceProgram assembles the program for the rules.
func deviceProgram(rules []deviceRule) []bpfInsn {
	p := []bpfInsn{
		ins(opLoadWord, regType, regCtx, 0, 0),
		ins(opAnd32, regType, 0, 0, 0xffff),
		ins(opLoadWord, regAccess, regCtx, 0, 0),
		ins(opRsh32, regAccess, 0, 0, 16),
		ins(opLoadWord, regMajor, regCtx, 4, 0),
		ins(opLoadWord, regMinor, regCtx, 8, 0),
	}
	for _, bit := range []access{accMknod, accRead, accWrite} {
		body := accessSection(rules, bit)
		if len(body) == 0 {
			continue
		}
		p = append(p,
			ins(opMov32Reg, regCtx, regAccess, 0, 0),
			ins(opAnd32, regCtx, 0, 0, int32(bit)),
			ins(opJeqImm, regCtx, 0, int16(len(body)), 0), // bit not requested
		)
		p = append(p, body...)
	}
	return append(p, ins(opMovImm, regResult, 0, 0, 1), ins(opExit, 0, 0, 0, 0))
}

// accessSection decides one access bit. It denies by returning 0 at once
// and allows by jumping past its own end, to the next bit's section.
func accessSection(rules []deviceRule, bit access) []bpfInsn {
	var body []bpfInsn
	var allowJumps []int // indexes of jumps to patch to the section's end
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		if r.access&bit == 0 {
			continue
		}
		var checks []bpfInsn
		if r.typ != 'a' {
			t := int32(unix.BPF_DEVCG_DEV_CHAR)
			if r.typ == 'b' {
				t = unix.BPF_DEVCG_DEV_BLOCK
			}
			checks = append(checks, ins(opJneImm, regType, 0, 0, t))
		}
		if r.major != wildcard {
			checks = append(checks, ins(opJneImm, regMajor, 0, 0, int32(r.major)))
		}
		if r.minor != wildcard {
			checks = append(checks, ins(opJneImm, regMinor, 0, 0, int32(r.minor)))
		}
		verdict := []bpfInsn{ins(opMovImm, regResult, 0, 0, 0), ins(opExit, 0, 0, 0, 0)}
		if r.allow {
			verdict = []bpfInsn{ins(opJa, 0, 0, 0, 0)}
		}
		for j := range checks { // a failed check skips the rest of this rule
			checks[j].off = int16(len(checks) - 1 - j + len(verdict))
		}
		body = append(body, checks...)
		if len(checks) == 0 {
			// Matches every device: earlier rules are out of reach for
			// this bit (the verifier refuses unreachable code).
			if !r.allow {
				body = append(body, verdict...)
			}
			return patchJumps(body, allowJumps)
		}
		if r.allow {
			allowJumps = append(allowJumps, len(body))
		}
		body = append(body, verdict...)
	}
	return patchJumps(body, allowJumps) // no rule matched: default allow
}

func patchJumps(body []bpfInsn, jumps []int) []bpfInsn {
	for _, j := range jumps {
		body[j].off = int16(len(body) - j - 1)
	}
	return body
}

// The bpf(2) attributes hull uses, laid out as in union bpf_attr.
type bpfProgLoadAttr struct {
	progType           uint32
	insnCnt            uint32
	insns              uint64
	license            uint64
	logLevel           uint32
	logSize            uint32
	logBuf             uint64
	kernVersion        uint32
	progFlags          uint32
	progName           [unix.BPF_OBJ_NAME_LEN]byte
	progIfindex        uint32
	expectedAttachType uint32
}

type bpfAttachAttr struct {
	targetFd     uint32
	attachBpfFd  uint32
	attachType   uint32
	attachFlags  uint32
	replaceBpfFd uint32
}

type bpfQueryAttr struct {
	targetFd    uint32
	attachType  uint32
	queryFlags  uint32
	attachFlags uint32
	progIDs     uint64
	progCnt     uint32
	_           uint32
}

type bpfGetFdAttr struct {
	progID    uint32
	nextID    uint32
	openFlags uint32
}

func bpf(cmd int, attr unsafe.Pointer, size uintptr) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(attr), size)
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// loadDeviceProgram loads the program and returns its fd. On failure it
// loads it again with the verifier's log, to say why.
func loadDeviceProgram(insns []bpfInsn) (int, error) {
	license := []byte("Apache-2.0\x00")
	var pin runtime.Pinner // the kernel reads these through addresses in attr
	defer pin.Unpin()
	pin.Pin(&insns[0])
	pin.Pin(&license[0])
	attr := bpfProgLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(insns)),
		insns:    uint64(uintptr(unsafe.Pointer(&insns[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	copy(attr.progName[:], "hull_devices")
	fd, err := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err == nil {
		return fd, nil
	}
	log := make([]byte, 1<<16)
	pin.Pin(&log[0])
	attr.logLevel, attr.logSize, attr.logBuf = 1, uint32(len(log)), uint64(uintptr(unsafe.Pointer(&log[0])))
	if fd, err2 := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); err2 == nil {
		return fd, nil // it passed this time; keep it
	}
	return -1, fmt.Errorf("loading the device-rules eBPF program: %w: %s", err, unix.ByteSliceToString(log))
}

// setDevicesBPF replaces the device program of the v2 cgroup dir. The new
// program is attached before the old ones are detached, so the cgroup is
// never without a filter: while both run, a device needs both to allow it.
func setDevicesBPF(dir string, rules []deviceRule) error {
	prog, err := loadDeviceProgram(deviceProgram(rules))
	if err != nil {
		return err
	}
	defer unix.Close(prog) // the attachment keeps the program alive
	cg, err := openFile(dir, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("opening cgroup %s: %w", dir, err)
	}
	defer unix.Close(cg)
	old, err := devicePrograms(cg)
	if err != nil {
		return err
	}
	attach := bpfAttachAttr{targetFd: uint32(cg), attachBpfFd: uint32(prog), attachType: unix.BPF_CGROUP_DEVICE, attachFlags: unix.BPF_F_ALLOW_MULTI}
	_, err = bpf(unix.BPF_PROG_ATTACH, unsafe.Pointer(&attach), unsafe.Sizeof(attach))
	if errors.Is(err, unix.EPERM) && len(old) > 0 {
		// The program in place was attached in exclusive mode; attaching
		// in that mode replaces it atomically.
		attach.attachFlags = 0
		_, err = bpf(unix.BPF_PROG_ATTACH, unsafe.Pointer(&attach), unsafe.Sizeof(attach))
		old = nil
	}
	if err != nil {
		return fmt.Errorf("attaching the device-rules eBPF program to %s: %w", dir, err)
	}
	for _, id := range old {
		if err := detachProgram(cg, id); err != nil {
			return fmt.Errorf("detaching the previous device-rules program from %s: %w", dir, err)
		}
	}
	return nil
}

// devicePrograms lists the ids of the device programs attached to the
// cgroup itself (not those inherited from its ancestors).
func devicePrograms(cg int) ([]uint32, error) {
	ids := make([]uint32, 64) // the kernel's limit per cgroup and attach type
	var pin runtime.Pinner
	defer pin.Unpin()
	pin.Pin(&ids[0])
	q := bpfQueryAttr{
		targetFd:   uint32(cg),
		attachType: unix.BPF_CGROUP_DEVICE,
		progIDs:    uint64(uintptr(unsafe.Pointer(&ids[0]))),
		progCnt:    uint32(len(ids)),
	}
	_, err := bpf(unix.BPF_PROG_QUERY, unsafe.Pointer(&q), unsafe.Sizeof(q))
	if err != nil {
		return nil, fmt.Errorf("listing the cgroup's device programs: %w", err)
	}
	return ids[:q.progCnt], nil
}

func detachProgram(cg int, id uint32) error {
	get := bpfGetFdAttr{progID: id}
	fd, err := bpf(unix.BPF_PROG_GET_FD_BY_ID, unsafe.Pointer(&get), unsafe.Sizeof(get))
	if errors.Is(err, unix.ENOENT) {
		return nil // gone meanwhile
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	detach := bpfAttachAttr{targetFd: uint32(cg), attachBpfFd: uint32(fd), attachType: unix.BPF_CGROUP_DEVICE}
	_, err = bpf(unix.BPF_PROG_DETACH, unsafe.Pointer(&detach), unsafe.Sizeof(detach))
	return err
}
