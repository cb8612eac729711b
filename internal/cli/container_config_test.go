package cli

import (
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
)

// run's flags stop at the image: what follows is the command's, flags and
// all; combined shorts and values attached to shorts still read.
func TestParseLeading(t *testing.T) {
	for _, tc := range []struct {
		args []string
		rest []string
		o    runOptions
	}{
		{args: []string{"busybox", "ls", "-l"}, rest: []string{"busybox", "ls", "-l"}},
		{args: []string{"-it", "--rm", "busybox", "sh"}, rest: []string{"busybox", "sh"},
			o: runOptions{interactive: true, tty: true, rm: true}},
		{args: []string{"-e", "A=1", "--env=B=2", "--name=web", "img", "-e", "C"}, rest: []string{"img", "-e", "C"},
			o: runOptions{env: []string{"A=1", "B=2"}, name: "web"}},
		{args: []string{"-de", "X=1", "img"}, rest: []string{"img"}, o: runOptions{detach: true, env: []string{"X=1"}}},
		{args: []string{"--init=false", "--", "-img"}, rest: []string{"-img"}, o: runOptions{}},
		{args: []string{"-v", "/a:/b", "-w", "/w", "img", "--rm"}, rest: []string{"img", "--rm"},
			o: runOptions{volumes: []string{"/a:/b"}, workdir: "/w"}},
	} {
		var o runOptions
		fs := newFlagSet("run", "run", io.Discard)
		addRunFlags(fs, &o)
		fs.Bool(&o.detach, "d", "detach", "")
		rest, err := fs.parseLeading(tc.args)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if !reflect.DeepEqual(rest, tc.rest) {
			t.Errorf("%q: rest %q, want %q", tc.args, rest, tc.rest)
		}
		got := runOptions{name: o.name, detach: o.detach, interactive: o.interactive, tty: o.tty, rm: o.rm,
			env: o.env, volumes: o.volumes, workdir: o.workdir}
		if !reflect.DeepEqual(got, tc.o) {
			t.Errorf("%q: options %+v, want %+v", tc.args, got, tc.o)
		}
	}
}

// parseRun parses a run command line into its create request.
func parseRun(t *testing.T, args ...string) (*container.Config, *container.HostConfig, error) {
	t.Helper()
	var o runOptions
	fs := newFlagSet("run", "run", io.Discard)
	addRunFlags(fs, &o)
	pos, err := fs.parseLeading(args)
	if err != nil {
		return nil, nil, err
	}
	req, err := createRequest(&o, pos[0], pos[1:])
	return req.Config, req.HostConfig, err
}

// Flags become Docker's Config and HostConfig fields as `docker run`
// fills them.
func TestCreateRequest(t *testing.T) {
	cfg, hc, err := parseRun(t, "-i", "--name", "web", "-e", "A=1", "-l", "k=v", "-w", "/srv", "-u", "1000:1000",
		"--entrypoint", "", "--stop-timeout", "3", "-m", "64m", "--memory-swap", "-1", "--cpus", "1.5",
		"--pids-limit", "0", "--restart", "on-failure:2", "--tmpfs", "/run:size=1m", "--ulimit", "nofile=10:20",
		"--mount", "type=tmpfs,dst=/t,tmpfs-size=1048576", "--init=false", "--dns", "1.1.1.1",
		"--add-host", "db=10.0.0.1", "--log-opt", "max-size=1m", "busybox", "echo", "hi")
	if err != nil {
		t.Fatal(err)
	}
	wantCfg := &container.Config{Image: "busybox", Cmd: []string{"echo", "hi"}, Env: []string{"A=1"},
		Labels: map[string]string{"k": "v"}, WorkingDir: "/srv", User: "1000:1000", Entrypoint: []string{""},
		OpenStdin: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, StdinOnce: true}
	timeout := 3
	wantCfg.StopTimeout = &timeout
	if !reflect.DeepEqual(cfg, wantCfg) {
		t.Errorf("Config:\n%+v\nwant\n%+v", cfg, wantCfg)
	}
	switch {
	case hc.Memory != 64<<20 || hc.MemorySwap != -1 || hc.NanoCPUs != 1.5e9:
		t.Errorf("memory and cpus: %d %d %d", hc.Memory, hc.MemorySwap, hc.NanoCPUs)
	case hc.PidsLimit == nil || *hc.PidsLimit != 0:
		t.Errorf("--pids-limit 0 is given, not absent: %v", hc.PidsLimit)
	case hc.RestartPolicy != container.RestartPolicy{Name: "on-failure", MaximumRetryCount: 2}:
		t.Errorf("restart: %+v", hc.RestartPolicy)
	case hc.Tmpfs["/run"] != "size=1m" || len(hc.Ulimits) != 1 || hc.Ulimits[0].Hard != 20:
		t.Errorf("tmpfs %v, ulimits %v", hc.Tmpfs, hc.Ulimits)
	case !reflect.DeepEqual(hc.Mounts, []mount.Mount{{Type: "tmpfs", Target: "/t", TmpfsOptions: &mount.TmpfsOptions{SizeBytes: 1 << 20}}}):
		t.Errorf("mounts: %+v", hc.Mounts)
	case hc.Init == nil || *hc.Init:
		t.Errorf("--init=false: %v", hc.Init)
	case !reflect.DeepEqual(hc.DNS, []netip.Addr{netip.MustParseAddr("1.1.1.1")}) || hc.ExtraHosts[0] != "db:10.0.0.1":
		t.Errorf("dns %v, hosts %v", hc.DNS, hc.ExtraHosts)
	case hc.LogConfig.Config["max-size"] != "1m":
		t.Errorf("log opts: %v", hc.LogConfig)
	}
	if _, hc, _ := parseRun(t, "busybox"); hc.Init != nil || hc.PidsLimit != nil {
		t.Errorf("defaults: init %v, pids limit %v (nil: the engine's defaults)", hc.Init, hc.PidsLimit)
	}
}

// Mistakes are reported before anything is created, in Docker's words.
func TestCreateRequestErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-w", "rel", "img"}, "needs to be an absolute path"},
		{[]string{"-m", "lots", "img"}, `invalid argument "lots" for "-m, --memory" flag`},
		{[]string{"--rm", "--restart", "always", "img"}, "cannot specify both --restart and --rm"},
		{[]string{"--restart", "sometimes", "img"}, "invalid restart policy"},
		{[]string{"--cpus", "1", "--cpu-quota", "5000", "img"}, "Nano CPUs and CPU Period cannot both be set"},
		{[]string{"--log-driver", "syslog", "img"}, "not supported"},
		{[]string{"--add-host", "nohost", "img"}, "invalid IP address"},
		{[]string{"--stop-signal", "SIGNOPE", "img"}, "Invalid signal"},
		{[]string{"-v", "a:b:c:d", "img"}, "invalid volume specification"},
		{[]string{"-p", "80:80/sctp", "img"}, "invalid proto"},
		{[]string{"--sysctl", "kernel.hostname=x", "img"}, "not allowed"},
	} {
		_, _, err := parseRun(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}

// ps's COMMAND is cut to 20 characters and quoted; IMAGE shortens an id.
func TestPsRow(t *testing.T) {
	s := container.Summary{ID: strings.Repeat("ab", 32), Names: []string{"/web"}, Image: "sha256:" + strings.Repeat("0123456789", 7),
		Command: "sh -c while true; do sleep 1; done", Labels: map[string]string{"b": "2", "a": "1"},
		Mounts: []container.MountPoint{{Name: strings.Repeat("v", 64), Driver: "local"}, {Source: "/srv"}}}
	r := newPsRow(s, true)
	want := psRow{ID: "abababababab", Names: "web", Image: "012345678901", Command: `"sh -c while true; d…"`,
		Labels: "a=1,b=2", Mounts: "vvvvvvvvvvvvvv…,/srv", LocalVolumes: "1", Networks: "none"}
	r.CreatedAt, r.RunningFor = "", ""
	if r != want {
		t.Errorf("row:\n%+v\nwant\n%+v", r, want)
	}
	if full := newPsRow(s, false); full.Command != `"sh -c while true; do sleep 1; done"` || full.ID != s.ID {
		t.Errorf("--no-trunc: %q %q", full.Command, full.ID)
	}
}
