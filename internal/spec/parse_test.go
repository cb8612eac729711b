package spec

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  string
	}{
		{in: "512m", want: 512 << 20},
		{in: "512M", want: 512 << 20},
		{in: "1g", want: 1 << 30},
		{in: "1GiB", want: 1 << 30},
		{in: "64MB", want: 64 << 20},
		{in: "1.5k", want: 1536},
		{in: "1024", want: 1024},
		{in: "100b", want: 100},
		{in: "32 kb", want: 32 << 10},
		{in: "0", want: 0},
		{in: "2t", want: 2 << 40},
		{in: "", err: "invalid size: ''"},
		{in: "m", err: "invalid size: 'm'"},
		{in: "-1", err: "invalid size: '-1'"},
		{in: "-5m", err: "invalid size: '-5m'"},
		{in: "5x", err: "invalid suffix: 'x'"},
		{in: "5mx", err: "invalid suffix: 'mx'"},
		{in: "5KIBB", err: "invalid suffix: 'kibb'"},
		{in: "5bb", err: "invalid suffix: 'bb'"},
		{in: "1.2.3m", err: `strconv.ParseFloat: parsing "1.2.3": invalid syntax`},
		{in: "99999999p", err: "invalid size: '99999999p'"},
	} {
		got, err := ParseBytes(tc.in)
		if checkErr(t, "ParseBytes("+tc.in+")", err, tc.err) && got != tc.want {
			t.Errorf("ParseBytes(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestParseMemorySwap(t *testing.T) {
	if n, err := ParseMemorySwap("-1"); n != -1 || err != nil {
		t.Errorf("ParseMemorySwap(-1) = %d, %v", n, err)
	}
	if n, err := ParseMemorySwap("1g"); n != 1<<30 || err != nil {
		t.Errorf("ParseMemorySwap(1g) = %d, %v", n, err)
	}
	_, err := ParseMemorySwap("-2")
	checkErr(t, "ParseMemorySwap(-2)", err, "invalid size: '-2'")
}

func TestParseCPUs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  string
	}{
		{in: "1.5", want: 1500000000},
		{in: "0.01", want: 10000000},
		{in: "2", want: 2000000000},
		{in: "3/2", want: 1500000000},
		{in: "abc", err: "failed to parse abc as a rational number"},
		{in: "", err: "failed to parse  as a rational number"},
		{in: "0.0000000001", err: "value is too precise"},
		{in: "1e30", err: "value is too large: 1e30"},
	} {
		got, err := ParseCPUs(tc.in)
		if checkErr(t, "ParseCPUs("+tc.in+")", err, tc.err) && got != tc.want {
			t.Errorf("ParseCPUs(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestParseUlimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Ulimit
		err  string
	}{
		{in: "nofile=1024:2048", want: Ulimit{"nofile", 1024, 2048}},
		{in: "nofile=1024", want: Ulimit{"nofile", 1024, 1024}},
		{in: "core=-1", want: Ulimit{"core", -1, -1}},
		{in: "nproc=10:-1", want: Ulimit{"nproc", 10, -1}},
		{in: "nofile", err: "invalid ulimit argument: nofile"},
		{in: "as=1", err: "invalid ulimit type: as"},
		{in: "bogus=1", err: "invalid ulimit type: bogus"},
		{in: "nofile=1:2:3", err: "too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`"},
		{in: "nofile=x", err: `strconv.ParseInt: parsing "x": invalid syntax`},
		{in: "nofile=1:y", err: `strconv.ParseInt: parsing "y": invalid syntax`},
		{in: "nofile=2048:1024", err: "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024"},
		{in: "nofile=-1:1024", err: "ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: 1024"},
	} {
		got, err := ParseUlimit(tc.in)
		if checkErr(t, "ParseUlimit("+tc.in+")", err, tc.err) && got != tc.want {
			t.Errorf("ParseUlimit(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	rl, err := Ulimit{"nofile", -1, -1}.Rlimit()
	if err != nil || rl != (specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: ^uint64(0), Hard: ^uint64(0)}) {
		t.Errorf("unlimited nofile = %+v, %v", rl, err)
	}
}

func TestParseDevice(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want DeviceMapping
		err  string
	}{
		{in: "/dev/fuse", want: DeviceMapping{"/dev/fuse", "/dev/fuse", "rwm"}},
		{in: "/dev/fuse:/dev/f", want: DeviceMapping{"/dev/fuse", "/dev/f", "rwm"}},
		{in: "/dev/fuse:r", want: DeviceMapping{"/dev/fuse", "/dev/fuse", "r"}},
		{in: "/dev/fuse:/dev/x/../f:rw", want: DeviceMapping{"/dev/fuse", "/dev/f", "rw"}},
		{in: "/dev/sda:/dev/xvda:mwr", want: DeviceMapping{"/dev/sda", "/dev/xvda", "mwr"}},
		{in: "", err: "bad format for path: "},
		{in: ":/dev/x", err: "bad format for path: :/dev/x"},
		{in: "/a:/b:rw:x", err: "bad format for path: /a:/b:rw:x"},
		{in: "/dev/fuse:/dev/f:rwx", err: "bad mode specified: rwx"},
		{in: "/dev/fuse:/dev/f:rr", err: "bad mode specified: rr"},
		{in: "/dev/fuse:dev/f", err: "dev/f is not an absolute path"},
		{in: "fuse", err: "fuse is not an absolute path"},
	} {
		got, err := ParseDevice(tc.in)
		if checkErr(t, "ParseDevice("+tc.in+")", err, tc.err) && got != tc.want {
			t.Errorf("ParseDevice(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseDeviceCgroupRule(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		in   string
		want specs.LinuxDeviceCgroup
		err  string
	}{
		{in: "c 1:3 rwm", want: specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: n(1), Minor: n(3), Access: "rwm"}},
		{in: "b 8:* r", want: specs.LinuxDeviceCgroup{Allow: true, Type: "b", Major: n(8), Access: "r"}},
		{in: "a *:* m", want: specs.LinuxDeviceCgroup{Allow: true, Type: "a", Access: "m"}},
		{in: "x 1:3 rwm", err: "invalid device cgroup format 'x 1:3 rwm'"},
		{in: "c 1:3", err: "invalid device cgroup format 'c 1:3'"},
		{in: "c 1-3 rwm", err: "invalid device cgroup format 'c 1-3 rwm'"},
		{in: "c -1:3 rwm", err: "invalid device cgroup format 'c -1:3 rwm'"},
		{in: "c 1:3 rwmx", err: "invalid device cgroup format 'c 1:3 rwmx'"},
		{in: "c  1:3 rwm", err: "invalid device cgroup format 'c  1:3 rwm'"},
	} {
		got, err := ParseDeviceCgroupRule(tc.in)
		if checkErr(t, "ParseDeviceCgroupRule("+tc.in+")", err, tc.err) && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseDeviceCgroupRule(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseEnv(t *testing.T) {
	t.Setenv("HULL_SPEC_TEST", "from host")
	for _, tc := range []struct{ in, want, err string }{
		{in: "A=1", want: "A=1"},
		{in: "A=", want: "A="},
		{in: "A=b=c", want: "A=b=c"},
		{in: "HULL_SPEC_TEST", want: "HULL_SPEC_TEST=from host"},
		{in: "HULL_SPEC_UNSET_VAR", want: "HULL_SPEC_UNSET_VAR"},
		{in: "=x", err: "invalid environment variable: =x"},
		{in: "", err: "invalid environment variable: "},
	} {
		got, err := ParseEnv(tc.in)
		if checkErr(t, "ParseEnv("+tc.in+")", err, tc.err) && got != tc.want {
			t.Errorf("ParseEnv(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseEnvFile(t *testing.T) {
	t.Setenv("HULL_SPEC_TEST", "from host")
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "\xEF\xBB\xBF# a comment=x\n"+
		"A=1\n"+
		"  B=indented\n"+
		"QUOTED=\"kept as is\"\n"+
		"TRAIL=space   \n"+
		"\n"+
		"\t# indented comment\n"+
		"HULL_SPEC_TEST\n"+
		"HULL_SPEC_UNSET_VAR\n"+
		"EMPTY=\n")
	got, err := ParseEnvFile(good)
	want := []string{"A=1", "B=indented", `QUOTED="kept as is"`, "TRAIL=space   ", "HULL_SPEC_TEST=from host", "EMPTY="}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseEnvFile = %q, %v\nwant %q", got, err, want)
	}
	for _, tc := range []struct{ content, err string }{
		{"A B=1\n", "variable 'A B' contains whitespaces"},
		{"=1\n", "no variable name on line '=1'"},
		{"A=1\n\xff\xfe\n", "invalid utf8 bytes at line 2: [255 254]"},
	} {
		p := write("bad", tc.content)
		_, err := ParseEnvFile(p)
		checkErr(t, "ParseEnvFile("+tc.content+")", err, "invalid env file ("+p+"): "+tc.err)
	}
	_, err = ParseEnvFile(filepath.Join(dir, "missing"))
	checkErr(t, "missing env file", err, "open "+filepath.Join(dir, "missing")+": no such file or directory")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing env file: %v does not wrap fs.ErrNotExist", err)
	}
}

func TestParseLabels(t *testing.T) {
	got, err := ParseLabels([]string{"a=1", "b", "  c=x y", "a=2", "d=e=f"})
	want := map[string]string{"a": "2", "b": "", "c": "x y", "d": "e=f"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseLabels = %v, %v; want %v", got, err, want)
	}
	_, err = ParseLabels([]string{"=x"})
	checkErr(t, "empty label", err, "invalid label '=x': empty name")
	_, err = ParseLabels([]string{"a b=x"})
	checkErr(t, "label with space", err, "label 'a b' contains whitespaces")
}

func TestParseSysctl(t *testing.T) {
	for _, tc := range []struct{ in, name, value, err string }{
		{in: "net.ipv4.ip_forward=1", name: "net.ipv4.ip_forward", value: "1"},
		{in: "kernel.shmmax=1000", name: "kernel.shmmax", value: "1000"},
		{in: "fs.mqueue.msg_max=100", name: "fs.mqueue.msg_max", value: "100"},
		{in: "kernel.sem=250 32000 32 128", name: "kernel.sem", value: "250 32000 32 128"},
		{in: "kernel.panic=1", err: "sysctl 'kernel.panic=1' is not allowed"},
		{in: "vm.swappiness=1", err: "sysctl 'vm.swappiness=1' is not allowed"},
		{in: "net.core.somaxconn", err: "sysctl 'net.core.somaxconn' is not allowed"},
		{in: "=1", err: "sysctl '=1' is not allowed"},
	} {
		name, value, err := ParseSysctl(tc.in)
		if checkErr(t, "ParseSysctl("+tc.in+")", err, tc.err) && (name != tc.name || value != tc.value) {
			t.Errorf("ParseSysctl(%q) = %q, %q", tc.in, name, value)
		}
	}
}

func TestParseRestart(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RestartPolicy
		err  string
	}{
		{in: "", want: RestartPolicy{Name: "no"}},
		{in: "no", want: RestartPolicy{Name: "no"}},
		{in: "always", want: RestartPolicy{Name: "always"}},
		{in: "unless-stopped", want: RestartPolicy{Name: "unless-stopped"}},
		{in: "on-failure", want: RestartPolicy{Name: "on-failure"}},
		{in: "on-failure:3", want: RestartPolicy{Name: "on-failure", MaximumRetryCount: 3}},
		{in: ":3", err: "invalid restart policy format: no policy provided before colon"},
		{in: "on-failure:x", err: "invalid restart policy format: maximum retry count must be an integer"},
		{in: "on-failure:-1", err: "invalid restart policy: maximum retry count cannot be negative"},
		{in: "always:3", err: "invalid restart policy: maximum retry count can only be used with 'on-failure'"},
		{in: "sometimes", err: "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"},
	} {
		got, err := ParseRestart(tc.in)
		if checkErr(t, "ParseRestart("+tc.in+")", err, tc.err) && got != tc.want {
			t.Errorf("ParseRestart(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseSignal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want unix.Signal
		err  string
	}{
		{in: "SIGTERM", want: unix.SIGTERM},
		{in: "TERM", want: unix.SIGTERM},
		{in: "term", want: unix.SIGTERM},
		{in: "sigkill", want: unix.SIGKILL},
		{in: "15", want: unix.SIGTERM},
		{in: "9", want: unix.SIGKILL},
		{in: "SIGWINCH", want: unix.SIGWINCH},
		{in: "IOT", want: unix.SIGABRT},
		{in: "RTMIN", want: 34},
		{in: "SIGRTMIN+3", want: 37},
		{in: "RTMAX-1", want: 63},
		{in: "RTMAX", want: 64},
		{in: "64", want: 64},
		{in: "0", err: "Invalid signal: 0"},
		{in: "65", err: "Invalid signal: 65"},
		{in: "-9", err: "Invalid signal: -9"},
		{in: "SIGFOO", err: "Invalid signal: SIGFOO"},
		{in: "", err: "Invalid signal: "},
		{in: "RTMIN+", err: "Invalid signal: RTMIN+"},
		{in: "RTMIN+16", err: "Invalid signal: RTMIN+16"},
		{in: "RTMAX+1", err: "Invalid signal: RTMAX+1"},
		{in: "RTMIN-1", err: "Invalid signal: RTMIN-1"},
	} {
		got, err := ParseSignal(tc.in)
		if checkErr(t, "ParseSignal("+tc.in+")", err, tc.err) && got != tc.want {
			t.Errorf("ParseSignal(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
