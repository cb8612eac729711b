package cgroups

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Device numbers of /dev/null, /dev/zero and /dev/full.
const (
	memMajor = 1
	null     = 3
	zero     = 5
	full     = 7
)

func charRule(allow bool, major, minor int64, acc string) specs.LinuxDeviceCgroup {
	r := specs.LinuxDeviceCgroup{Allow: allow, Type: "c", Access: acc}
	if major >= 0 {
		r.Major = &major
	}
	if minor >= 0 {
		r.Minor = &minor
	}
	return r
}

var denyAll = specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"}

// deviceChecks are shell commands and whether each must succeed.
type deviceCheck struct {
	script string
	ok     bool
}

func checkDevices(t *testing.T, run func(script string) (int, string), checks []deviceCheck) {
	t.Helper()
	for _, c := range checks {
		code, out := run(c.script)
		if (code == 0) != c.ok {
			t.Errorf("%q: exit %d (%s), want success %v", c.script, code, strings.TrimSpace(out), c.ok)
		}
	}
}

func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	slices.Sort(lines)
	return lines
}

func TestDevicesV1(t *testing.T) {
	m := created(t, &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		denyAll,
		charRule(true, memMajor, null, "rwm"),
		charRule(true, memMajor, zero, "r"),
		charRule(true, -1, -1, "m"),
	}})
	d, ok := m.v1["devices"]
	if !ok {
		t.Skip("no v1 devices hierarchy")
	}
	if got, want := sortedLines(readCg(t, d.path, "devices.list")), []string{"c *:* m", "c 1:3 rwm", "c 1:5 r"}; !slices.Equal(got, want) {
		t.Errorf("devices.list = %q, want %q", got, want)
	}
	run := func(script string) (int, string) { return runIn(t, m, script) }
	checkDevices(t, run, []deviceCheck{
		{": > /dev/null", true},
		{"head -c1 /dev/zero", true},
		{": > /dev/zero", false},
		{"head -c1 /dev/full", false},
	})

	// A live update writes only the difference: it works although the
	// container made a sub-cgroup, which makes the kernel refuse a reset.
	sub := filepath.Join(d.path, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		denyAll,
		charRule(true, memMajor, null, "rwm"),
		charRule(true, memMajor, full, "rw"),
		charRule(true, -1, -1, "m"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sortedLines(readCg(t, d.path, "devices.list")), []string{"c *:* m", "c 1:3 rwm", "c 1:7 rw"}; !slices.Equal(got, want) {
		t.Errorf("devices.list after update = %q, want %q", got, want)
	}
	if err := os.Remove(sub); err != nil {
		t.Fatal(err)
	}
	checkDevices(t, run, []deviceCheck{
		{"head -c1 /dev/zero", false},
		{"head -c1 /dev/full", true},
	})

	// Back to allow-all, then rules that build on it without a reset.
	if err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true}}}); err != nil {
		t.Fatal(err)
	}
	wantFile(t, d.path, "devices.list", "a *:* rwm")
	if err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{charRule(false, memMajor, null, "w")}}); err != nil {
		t.Fatal(err)
	}
	checkDevices(t, run, []deviceCheck{
		{": > /dev/null", false},
		{"head -c1 /dev/zero && head -c1 /dev/null", true},
	})
}

func TestDeviceListApply(t *testing.T) {
	rules, err := normalizeDeviceRules([]specs.LinuxDeviceCgroup{
		charRule(true, 1, 3, "r"), // before the reset: dropped by it
		denyAll,
		charRule(true, 1, 3, "r"),
		charRule(true, 1, 3, "w"),    // merges into 1:3 rw
		charRule(false, 1, 3, "r"),   // leaves 1:3 w
		{Allow: true, Access: "m"},   // partial "a": one exception per type
		charRule(false, -1, -1, "m"), // removes the c half
	})
	if err != nil {
		t.Fatal(err)
	}
	var l deviceList
	for _, r := range rules {
		l.apply(r)
	}
	var got []string
	for _, e := range l.exceptions {
		got = append(got, e.line(e.access))
	}
	if want := []string{"c 1:3 w", "b *:* m"}; l.defaultAllow || !slices.Equal(got, want) {
		t.Errorf("deny-default %v, exceptions %q; want deny-default, %q", !l.defaultAllow, got, want)
	}

	parsed, known, err := parseDevicesList("c 1:3 w\nb *:* m\n")
	if err != nil || !known || !slices.Equal(parsed.exceptions, l.exceptions) {
		t.Errorf("parseDevicesList = %+v, %v, %v", parsed, known, err)
	}
	if _, known, _ := parseDevicesList("a *:* rwm\n"); known {
		t.Error("an allow-all list claims known exceptions")
	}
}

func TestNormalizeDeviceRulesRejects(t *testing.T) {
	bad := []specs.LinuxDeviceCgroup{
		{Type: "p"},
		{Type: "c", Access: "rx"},
		{Type: "c", Major: ptr[int64](-5)},
		{Type: "c", Minor: ptr[int64](1 << 40)},
	}
	for _, r := range bad {
		if _, err := normalizeDeviceRules([]specs.LinuxDeviceCgroup{r}); err == nil {
			t.Errorf("rule %+v accepted", r)
		}
	}
	// Docker spells "any number" as -1.
	if _, err := normalizeDeviceRules([]specs.LinuxDeviceCgroup{charRule(true, -1, -1, "m")}); err != nil {
		t.Error(err)
	}
}

// runBPF interprets the instructions deviceProgram emits, for a context of
// (access, type, major, minor), and returns the program's verdict.
func runBPF(t *testing.T, prog []bpfInsn, acc access, typ, major, minor uint32) uint64 {
	var r [11]uint64
	ctx := [3]uint32{uint32(acc)<<16 | typ, major, minor}
	for pc, steps := 0, 0; steps < 10000; pc, steps = pc+1, steps+1 {
		in := prog[pc]
		dst, src, imm := in.regs&0xf, in.regs>>4, uint64(int64(in.imm))
		switch in.code {
		case opLoadWord:
			r[dst] = uint64(ctx[in.off/4])
		case opAnd32:
			r[dst] = uint64(uint32(r[dst]) & uint32(in.imm))
		case opRsh32:
			r[dst] = uint64(uint32(r[dst]) >> uint32(in.imm))
		case opMov32Reg:
			r[dst] = uint64(uint32(r[src]))
		case opMovImm:
			r[dst] = imm
		case opJneImm:
			if r[dst] != imm {
				pc += int(in.off)
			}
		case opJeqImm:
			if r[dst] == imm {
				pc += int(in.off)
			}
		case opJa:
			pc += int(in.off)
		case opExit:
			return r[0]
		default:
			t.Fatalf("unexpected opcode %#x at %d", in.code, pc)
		}
	}
	t.Fatal("program did not exit")
	return 0
}

// wantVerdict is the spec's meaning: per access bit, the last matching rule
// that mentions the bit decides; no rule means allow.
func wantVerdict(rules []deviceRule, acc access, typ byte, major, minor int64) bool {
	for _, bit := range []access{accMknod, accRead, accWrite} {
		if acc&bit == 0 {
			continue
		}
		for i := len(rules) - 1; i >= 0; i-- {
			r := rules[i]
			if r.access&bit != 0 && (r.typ == 'a' || r.typ == typ) &&
				(r.major == wildcard || r.major == major) && (r.minor == wildcard || r.minor == minor) {
				if !r.allow {
					return false
				}
				break
			}
		}
	}
	return true
}

func TestDeviceProgramSemantics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(n int64) int64 {
		if rng.IntN(3) == 0 {
			return wildcard
		}
		return rng.Int64N(n)
	}
	for range 2000 {
		var rules []deviceRule
		for range rng.IntN(6) {
			rules = append(rules, deviceRule{
				allow: rng.IntN(2) == 0, typ: "abc"[rng.IntN(3)],
				major: pick(3), minor: pick(3), access: access(1 + rng.IntN(7)),
			})
		}
		prog := deviceProgram(rules)
		for range 20 {
			acc, typ := access(1+rng.IntN(7)), "bc"[rng.IntN(2)]
			major, minor := rng.Int64N(3), rng.Int64N(3)
			kernelType := uint32(unix.BPF_DEVCG_DEV_CHAR)
			if typ == 'b' {
				kernelType = unix.BPF_DEVCG_DEV_BLOCK
			}
			got := runBPF(t, prog, acc, kernelType, uint32(major), uint32(minor)) == 1
			if want := wantVerdict(rules, acc, typ, major, minor); got != want {
				t.Fatalf("rules %+v, request %s %c %d:%d: program says %v, want %v", rules, acc, typ, major, minor, got, want)
			}
		}
	}
}

// TestDevicesBPF loads the program into the kernel and checks what a
// process in the cgroup may open. It needs a cgroup2 mount, which hybrid
// hosts have too.
func TestDevicesBPF(t *testing.T) {
	needRoot(t)
	h, err := currentHost()
	if err != nil || h.v2 == nil {
		t.Skip("no cgroup2 mount")
	}
	dir := h.v2.mountpoint + testPath(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rmdirRetry(dir) })
	run := func(script string) (int, string) {
		g := startGated(t, script)
		if err := writeFile(dir, "cgroup.procs", strconv.Itoa(g.cmd.Process.Pid)); err != nil {
			t.Fatal(err)
		}
		g.open()
		g.cmd.Wait()
		return g.cmd.ProcessState.ExitCode(), g.out.String()
	}
	apply := func(rules ...specs.LinuxDeviceCgroup) {
		t.Helper()
		norm, err := normalizeDeviceRules(rules)
		if err != nil {
			t.Fatal(err)
		}
		if err := setDevicesBPF(dir, norm); err != nil {
			t.Fatal(err)
		}
	}
	apply(denyAll, charRule(true, memMajor, null, "rwm"), charRule(true, memMajor, zero, "r"))
	checkDevices(t, run, []deviceCheck{
		{": > /dev/null", true},
		{"head -c1 /dev/zero", true},
		{": > /dev/zero", false},
		{"head -c1 /dev/full", false},
	})
	// An update replaces the program rather than stacking a second one.
	apply(specs.LinuxDeviceCgroup{Allow: true}, charRule(false, memMajor, null, "w"))
	checkDevices(t, run, []deviceCheck{
		{": > /dev/null", false},
		{"head -c1 /dev/full && head -c1 /dev/null", true},
	})
	fd, err := openFile(dir, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if ids, err := devicePrograms(fd); err != nil || len(ids) != 1 {
		t.Errorf("attached programs = %v, %v; want exactly one", ids, err)
	}
}
