package seccomp

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Filter is a compiled seccomp program and how to load it: the BPF
// instructions libseccomp generated and the seccomp(2) flags the config asks
// for. Make one with Compile or Cache.Compile; pass it from the runtime to
// the init with MarshalBinary and UnmarshalBinary; install it with Load.
type Filter struct {
	program []unix.SockFilter
	flags   uint // SECCOMP_FILTER_FLAG_* from config.json
	notify  bool // a rule uses SCMP_ACT_NOTIFY: load with a listener
}

// Len returns the number of BPF instructions in the program.
func (f *Filter) Len() int { return len(f.program) }

// Notifies reports whether loading f returns a notification listener: some
// rule uses SCMP_ACT_NOTIFY.
func (f *Filter) Notifies() bool { return f.notify }

// Raw returns what seccomp(2) takes for a filter without a listener: the
// flags Load would pass and the program as struct sock_filter[] in native
// byte order, for a loader that is not Go (the C container init).
func (f *Filter) Raw() (flags uint, program []byte) {
	b, _ := f.MarshalBinary()
	return f.flags &^ unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, b[filterHeaderLen:]
}

// The encoding: a magic, the flags, the notify byte, then the instructions
// as struct sock_filter in native byte order. It is read back on the same
// machine only.
const (
	filterMagic     = "hsf1"
	filterHeaderLen = len(filterMagic) + 4 + 1
)

// MarshalBinary encodes f for another process on the same machine.
func (f *Filter) MarshalBinary() ([]byte, error) {
	b := make([]byte, filterHeaderLen, filterHeaderLen+8*len(f.program))
	copy(b, filterMagic)
	binary.NativeEndian.PutUint32(b[len(filterMagic):], uint32(f.flags))
	if f.notify {
		b[filterHeaderLen-1] = 1
	}
	for _, in := range f.program {
		b = binary.NativeEndian.AppendUint16(b, in.Code)
		b = append(b, in.Jt, in.Jf)
		b = binary.NativeEndian.AppendUint32(b, in.K)
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (f *Filter) UnmarshalBinary(b []byte) error {
	if len(b) < filterHeaderLen || string(b[:len(filterMagic)]) != filterMagic {
		return fmt.Errorf("seccomp: not an encoded filter: %w", errdefs.ErrInvalidArgument)
	}
	prog, err := decodeProgram(b[filterHeaderLen:])
	if err != nil {
		return err
	}
	*f = Filter{
		program: prog,
		flags:   uint(binary.NativeEndian.Uint32(b[len(filterMagic):])),
		notify:  b[filterHeaderLen-1] == 1,
	}
	return nil
}
