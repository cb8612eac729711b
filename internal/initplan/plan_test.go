package initplan

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// decode reads a plan back as the C init does (cinit.c's next_op).
func decode(t *testing.T, b []byte) (ops []Op, fields [][]string) {
	t.Helper()
	if string(b[:4]) != magic {
		t.Fatalf("magic %q", b[:4])
	}
	b = b[4:]
	for len(b) > 0 {
		op := Op(binary.NativeEndian.Uint16(b))
		n := int(binary.NativeEndian.Uint16(b[2:]))
		b = b[4:]
		var fs []string
		for range n {
			l := int(binary.NativeEndian.Uint32(b))
			if b[4+l] != 0 {
				t.Fatalf("field %q not NUL-terminated", b[4:4+l])
			}
			fs = append(fs, string(b[4:4+l]))
			b = b[4+l+1:]
		}
		ops = append(ops, op)
		fields = append(fields, fs)
	}
	return ops, fields
}

func TestPlanEncoding(t *testing.T) {
	var p Plan
	p.Add(MountNew, "ctx", "", uintptr(0x4000), true, false, int64(-1), uint32(7), []byte{1, 0, 2})
	p.Add(Exec, 3, 0, "/bin", 2, []string{"sh", "-c"}, []string{"A=1"})
	p.Add(DevPtmx)
	if p.Len() != 3 {
		t.Fatalf("Len %d", p.Len())
	}
	ops, fields := decode(t, p.Bytes())
	if !reflect.DeepEqual(ops, []Op{MountNew, Exec, DevPtmx}) {
		t.Fatalf("ops %v", ops)
	}
	want := [][]string{
		{"ctx", "", "16384", "1", "0", "-1", "7", "\x01\x00\x02"},
		{"3", "0", "/bin", "2", "sh", "-c", "A=1"},
		nil,
	}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("fields %q, want %q", fields, want)
	}
}

func TestListAndHasNUL(t *testing.T) {
	if got := List([]uint32{5, 100}); got != "5,100" {
		t.Errorf("List %q", got)
	}
	if got := List([]uintptr{}); got != "" {
		t.Errorf("List of none %q", got)
	}
	if !HasNUL("a", "b\x00") || HasNUL("a", "b") {
		t.Error("HasNUL")
	}
}
