// Package initplan is the plan a container's C init runs: the runtime turns
// the spec into a list of operations (mount this there, drop those
// capabilities, exec that), and the C init in internal/nsexec performs
// them in order inside the new namespaces, so that a container starts
// without a second Go runtime.
//
// The runtime decides what to do and words the errors' context; the C init
// only resolves paths inside the rootfs and makes the system calls. The
// operations and their fields are listed in internal/nsexec/cinit.h, whose
// numbers must match the Op constants here.
//
// Wire format: "HIP1", then per operation a uint16 code and a uint16 field
// count, then per field a uint32 length, the bytes and a NUL (so the C side
// uses them in place). Integers are fields in decimal. Native byte order:
// the plan never leaves the machine.
package initplan

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Op is an operation code of cinit.h.
type Op uint16

// The operations; the fields of each are documented in cinit.h.
const (
	PrepareRoot  Op = 1
	MountNew     Op = 2
	MountBind    Op = 3
	MountCgroup1 Op = 4
	MountCgroup2 Op = 5
	Dev          Op = 6
	Device       Op = 7
	DevSymlink   Op = 8
	DevPtmx      Op = 9
	CreateCwd    Op = 10
	Hooks        Op = 11
	Pivot        Op = 12
	Hostname     Op = 13
	Sysctl       Op = 14
	Readonly     Op = 15
	Mask         Op = 16
	RemountRO    Op = 17
	ReadonlyRoot Op = 18
	LoopbackUp   Op = 19
	CgroupNS     Op = 20
	Keyring      Op = 21
	Rlimit       Op = 22
	NoNewPrivs   Op = 23
	Seccomp      Op = 24
	Credentials  Op = 25
	Umask        Op = 26
	Cwd          Op = 27
	Exec         Op = 28
	Setsid       Op = 29
	Console      Op = 30
)

const magic = "HIP1"

// Plan is a plan being built; the zero value is empty and ready.
type Plan struct {
	buf []byte
	n   int
}

// Add appends an operation. Fields may be strings, []byte, bools (0 or 1),
// any integer type, or []string (each element a field of its own).
func (p *Plan) Add(op Op, fields ...any) {
	if p.buf == nil {
		p.buf = append(p.buf, magic...)
	}
	start := len(p.buf)
	p.buf = binary.NativeEndian.AppendUint16(p.buf, uint16(op))
	p.buf = binary.NativeEndian.AppendUint16(p.buf, 0)
	count := 0
	for _, f := range fields {
		if list, ok := f.([]string); ok {
			for _, s := range list {
				p.field([]byte(s))
				count++
			}
			continue
		}
		p.field(encode(f))
		count++
	}
	binary.NativeEndian.PutUint16(p.buf[start+2:], uint16(count))
	p.n++
}

func (p *Plan) field(b []byte) {
	p.buf = binary.NativeEndian.AppendUint32(p.buf, uint32(len(b)))
	p.buf = append(p.buf, b...)
	p.buf = append(p.buf, 0)
}

func encode(f any) []byte {
	switch v := f.(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	case bool:
		if v {
			return []byte{'1'}
		}
		return []byte{'0'}
	}
	switch v := reflect.ValueOf(f); v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(nil, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(nil, v.Uint(), 10)
	}
	panic(fmt.Sprintf("initplan: field of type %T", f))
}

// Len is the number of operations added.
func (p *Plan) Len() int { return p.n }

// Bytes is the encoded plan.
func (p *Plan) Bytes() []byte { return p.buf }

// List renders numbers as a comma-separated field ("" for none), for the
// fields that hold several values (propagation flags, groups).
func List[T ~uint32 | ~uint64 | ~uintptr | ~int](vals []T) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	}
	return b.String()
}

// HasNUL reports whether any of s holds a NUL byte, which a field cannot
// carry to the C side.
func HasNUL(s ...string) bool {
	for _, x := range s {
		if strings.IndexByte(x, 0) >= 0 {
			return true
		}
	}
	return false
}
