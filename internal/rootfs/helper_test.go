package rootfs

// The tests that mount things run each scenario in three processes:
//
//	go test (the real host)
//	└── fake host: a new mount namespace where every mount is shared, as on
//	    a systemd host, so anything leaking from the container shows up here
//	    └── container: new mount, pid, uts and ipc namespaces (more per
//	        scenario), running Prepare, Pivot, SetHostname, WriteSysctls and
//	        Finalize on a busybox rootfs, then checking the result from inside
//
// Both children are this test binary again, told their role by environment
// variables and dispatched by TestMain. The container prints "FAIL: ..." for
// each failed check and exits non-zero; the fake host adds what leaked into
// its namespace; the test adds what leaked into the real host's.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

const (
	envRole     = "HULL_ROOTFS_TEST_ROLE" // "host" or "container"
	envScenario = "HULL_ROOTFS_TEST_SCENARIO"
	envDir      = "HULL_ROOTFS_TEST_DIR"
	envConsole  = "HULL_ROOTFS_TEST_CONSOLE"
)

func TestMain(m *testing.M) {
	switch os.Getenv(envRole) {
	case "host":
		os.Exit(fakeHost())
	case "container":
		os.Exit(containerInit())
	}
	os.Exit(m.Run())
}

// scenario is one container to build.
type scenario struct {
	cloneflags uintptr // namespaces beyond mount, pid, uts and ipc
	userns     bool    // also a user namespace, root mapped to root
	setup      func(b *bundle) error
	config     func(b *bundle) *Config
	wantErr    string // a stage must fail with this in its message
	check      func(c *checker, b *bundle)
}

// bundle is a scenario's directory: config-independent host files and the
// busybox rootfs.
type bundle struct {
	dir     string // the bundle, the container's working directory
	rootfs  string
	console string // the pty slave the fake host opened
	cgroup2 bool   // the host has cgroup v2 alone
}

func newBundle(dir string) *bundle {
	var st unix.Statfs_t
	return &bundle{
		dir: dir, rootfs: filepath.Join(dir, "rootfs"), console: os.Getenv(envConsole),
		cgroup2: unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC,
	}
}

// runScenario runs the named scenario and fails t with what went wrong. It
// returns the container's TIMING line.
func runScenario(t testing.TB, name string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: mount namespaces and mounts")
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs a static /bin/busybox (package busybox-static)")
	}
	s, ok := scenarios()[name]
	if !ok {
		t.Fatalf("no scenario %q", name)
	}
	b := newBundle(t.TempDir())
	if err := b.build(); err != nil {
		t.Fatal(err)
	}
	if s.setup != nil {
		if err := s.setup(b); err != nil {
			t.Fatal(err)
		}
	}
	before := mountsUnder(b.dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Env = append(os.Environ(), envRole+"=host", envScenario+"="+name, envDir+"="+b.dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	timing := ""
	for line := range strings.Lines(string(out)) {
		if strings.HasPrefix(line, "TIMING ") {
			timing = strings.TrimSpace(line)
		}
	}
	if after := mountsUnder(b.dir); after != before {
		t.Errorf("mounts leaked into the host's mount namespace:\n%s", after)
	}
	if err != nil {
		t.Fatalf("scenario %s: %v\n%s", name, err, out)
	}
	return timing
}

// mountsUnder lists the mounts at or below dir in this mount namespace.
func mountsUnder(dir string) string {
	infos, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		return "reading mountinfo: " + err.Error()
	}
	var b strings.Builder
	for _, mi := range infos {
		fmt.Fprintf(&b, "%s %s %s\n", mi.Mountpoint, mi.FSType, mi.Options)
	}
	return b.String()
}

// build makes the bundle: a busybox rootfs with the traps the scenarios
// need, and the host files they bind.
func (b *bundle) build() error {
	for _, d := range []string{"bin", "proc", "sys", "dev", "etc", "tmp", "data-ro", "data-rw", "outside"} {
		p := filepath.Join(b.rootfs, d)
		if d == "data-ro" || d == "data-rw" || d == "outside" {
			p = filepath.Join(b.dir, d)
		}
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(b.rootfs, "tmp"), os.ModeSticky|0o777); err != nil {
		return err
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return err
	}
	files := map[string]string{
		"rootfs/bin/busybox":  string(bb),
		"rootfs/hull-marker":  "marker\n",
		"data-ro/hello":       "hello\n",
		"hostfile":            "from-host\n",
		"rootfs/etc/hostname": "image\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(b.dir, name), []byte(content), 0o755); err != nil {
			return err
		}
	}
	links := map[string]string{
		// A mount on /evil must not land on the host's b.dir/outside.
		"evil": filepath.Join(b.dir, "outside"),
		// Nor may one below /evil2 climb out of the rootfs.
		"evil2": "../../../../../../../../../..",
		// Dangling, as in many images.
		"etc/resolv.conf": "../run/resolv/stub.conf",
	}
	for _, tool := range []string{"sh", "ls", "cat", "stat", "mount", "touch", "echo"} {
		links["bin/"+tool] = "busybox"
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(b.rootfs, name)); err != nil {
			return err
		}
	}
	return nil
}

// fakeHost stands for the host: it shares every mount, mounts what the
// scenarios need from a host, starts the container and reports leaks.
func fakeHost() int {
	b := newBundle(os.Getenv(envDir))
	s := scenarios()[os.Getenv(envScenario)]
	// Private first, so nothing reaches the real host, then shared.
	for _, flags := range []uintptr{unix.MS_PRIVATE | unix.MS_REC, unix.MS_SHARED | unix.MS_REC} {
		if err := unix.Mount("", "/", "", flags, ""); err != nil {
			fmt.Println("FAIL: fake host: propagation of /:", err)
			return 1
		}
	}
	locked := filepath.Join(b.dir, "locked")
	if err := lockedSource(locked); err != nil {
		fmt.Println("FAIL: fake host:", err)
		return 1
	}
	master, console, err := openPty()
	if err != nil {
		fmt.Println("FAIL: fake host: pty:", err)
		return 1
	}
	defer master.Close()

	cmd := exec.Command("/proc/self/exe")
	cmd.Env = append(os.Environ(), envRole+"=container", envConsole+"="+console)
	cmd.Dir = b.dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | s.cloneflags,
	}
	if s.userns {
		ids := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings, cmd.SysProcAttr.GidMappings = ids, ids
		cmd.SysProcAttr.GidMappingsEnableSetgroups = true
	}
	status := 0
	if err := cmd.Run(); err != nil {
		fmt.Println("container:", err)
		status = 1
	}
	for line := range strings.Lines(mountsUnder(b.dir)) {
		if !strings.HasPrefix(line, locked+" ") {
			fmt.Print("FAIL: leaked into the fake host: ", line)
			status = 1
		}
	}
	return status
}

// lockedSource mounts a nosuid, nodev, noexec tmpfs with a file in it: in
// the container's user namespace those flags are locked.
func lockedSource(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=64k"); err != nil {
		return fmt.Errorf("mounting %s: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, "file"), []byte("locked\n"), 0o644)
}

// openPty opens a pseudo-terminal and returns its master and the path of
// its slave.
func openPty() (*os.File, string, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, "", err
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, "", err
	}
	n, err := unix.IoctlGetUint32(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, "", err
	}
	return master, fmt.Sprintf("/dev/pts/%d", n), nil
}

// containerInit plays the container's init: the three stages and the
// helpers, in the order the runtime calls them, then the scenario's checks.
func containerInit() int {
	runtime.LockOSThread() // as a real init does; also keeps its syscalls on one thread for strace
	b := newBundle(os.Getenv(envDir))
	s := scenarios()[os.Getenv(envScenario)]
	c := &checker{}
	err := runStages(s.config(b), c)
	switch {
	case s.wantErr != "" && err == nil:
		c.errorf("the stages succeeded; want an error with %q", s.wantErr)
	case s.wantErr != "" && !strings.Contains(err.Error(), s.wantErr):
		c.errorf("error %q; want one with %q", err, s.wantErr)
	case s.wantErr == "" && err != nil:
		c.errorf("%v", err)
	case s.wantErr == "":
		s.check(c, b)
	}
	return c.report()
}

// runStages runs Prepare, Pivot, the hostname and sysctl helpers and
// Finalize, checking what each promises about the process.
func runStages(cfg *Config, c *checker) error {
	unix.Umask(0o022)
	before, err := mountIDs()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := Prepare(cfg); err != nil {
		return err
	}
	prepared := time.Now()
	if old := unix.Umask(0o022); old != 0o022 {
		c.errorf("Prepare left the umask at %#o", old)
	}
	c.checkMountsInside(before, cfg.Rootfs)
	if err := Pivot(cfg); err != nil {
		return err
	}
	pivoted := time.Now()
	if wd, err := os.Getwd(); err != nil || wd != "/" {
		c.errorf("after Pivot the working directory is %q (%v), want /", wd, err)
	}
	if err := SetHostname(cfg.Spec.Hostname, cfg.Spec.Domainname); err != nil {
		return err
	}
	if err := WriteSysctls(cfg.linux().Sysctl); err != nil {
		return err
	}
	helpers := time.Now()
	if err := Finalize(cfg); err != nil {
		return err
	}
	fmt.Printf("TIMING %d %d %d\n",
		prepared.Sub(start), pivoted.Sub(prepared), time.Since(helpers))
	return nil
}

// mountIDs returns the IDs of the mounts in this namespace.
func mountIDs() (map[int]bool, error) {
	infos, err := mountinfo.GetMounts(nil)
	if err != nil {
		return nil, err
	}
	ids := make(map[int]bool, len(infos))
	for _, mi := range infos {
		ids[mi.ID] = true
	}
	return ids, nil
}

// checker collects failed checks.
type checker struct {
	failed bytes.Buffer
}

func (c *checker) errorf(format string, args ...any) {
	fmt.Fprintf(&c.failed, "FAIL: "+format+"\n", args...)
}

func (c *checker) report() int {
	if c.failed.Len() == 0 {
		fmt.Println("ok")
		return 0
	}
	os.Stdout.Write(c.failed.Bytes())
	return 1
}

// checkMountsInside checks that every mount made since before is inside the
// rootfs: no destination, however the image's symlinks point, escaped.
func (c *checker) checkMountsInside(before map[int]bool, rootfs string) {
	infos, err := mountinfo.GetMounts(nil)
	if err != nil {
		c.errorf("reading mountinfo: %v", err)
		return
	}
	for _, mi := range infos {
		if !before[mi.ID] && mi.Mountpoint != rootfs && !strings.HasPrefix(mi.Mountpoint, rootfs+"/") {
			c.errorf("Prepare mounted %s on %s, outside the rootfs", mi.FSType, mi.Mountpoint)
		}
	}
}
