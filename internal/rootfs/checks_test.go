package rootfs

// The checks scenarios run inside the finished container.

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// mountTable is the container's mountinfo: the topmost mount on each
// mountpoint, and how many are stacked there.
type mountTable struct {
	top   map[string]*mountinfo.Info
	count map[string]int
}

func readMounts(c *checker) mountTable {
	infos, err := mountinfo.GetMounts(nil)
	if err != nil {
		c.errorf("reading mountinfo: %v", err)
	}
	t := mountTable{top: make(map[string]*mountinfo.Info), count: make(map[string]int)}
	for _, mi := range infos {
		t.top[mi.Mountpoint] = mi
		t.count[mi.Mountpoint]++
	}
	return t
}

// fstype returns the type of the filesystem mounted on p, "" if none.
func (t mountTable) fstype(p string) string {
	if mi := t.top[p]; mi != nil {
		return mi.FSType
	}
	return ""
}

// want checks that a mount of fstype is on p with each of opts among its
// per-mount options, and returns it.
func (t mountTable) want(c *checker, p, fstype string, opts ...string) *mountinfo.Info {
	mi, ok := t.top[p]
	if !ok {
		c.errorf("no mount on %s", p)
		return &mountinfo.Info{}
	}
	if mi.FSType != fstype {
		c.errorf("%s is %s, want %s", p, mi.FSType, fstype)
	}
	for _, o := range opts {
		if !hasOption(mi.Options, o) {
			c.errorf("%s has options %s, want %s among them", p, mi.Options, o)
		}
	}
	return mi
}

// wantNode checks the file at p: its type (unix.S_IF*), device number when
// it is a device, permissions and owner.
func wantNode(c *checker, p string, typ uint32, major, minor uint32, perm uint32, uid, gid uint32) {
	st := wantDevice(c, p, typ, major, minor)
	if st != nil && (st.Mode&0o7777 != perm || st.Uid != uid || st.Gid != gid) {
		c.errorf("%s: mode %o owner %d:%d, want %o %d:%d", p, st.Mode, st.Uid, st.Gid, typ|perm, uid, gid)
	}
}

// wantDevice checks the type of the file at p and, for a device, its
// number.
func wantDevice(c *checker, p string, typ uint32, major, minor uint32) *unix.Stat_t {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		c.errorf("%s: %v", p, err)
		return nil
	}
	if st.Mode&unix.S_IFMT != typ {
		c.errorf("%s: mode %o, want type %o", p, st.Mode, typ)
	}
	if typ != unix.S_IFIFO && (unix.Major(st.Rdev) != major || unix.Minor(st.Rdev) != minor) {
		c.errorf("%s: device %d:%d, want %d:%d", p, unix.Major(st.Rdev), unix.Minor(st.Rdev), major, minor)
	}
	return &st
}

// wantWrite checks that creating a file in dir gives want (nil or an errno).
func wantWrite(c *checker, dir string, want error) {
	err := os.WriteFile(filepath.Join(dir, "hull-write-test"), []byte("x"), 0o644)
	if !errors.Is(err, want) && !(err == nil && want == nil) {
		c.errorf("writing in %s: %v, want %v", dir, err, want)
	}
}

// wantWriteFile checks that writing the existing file p gives want.
func wantWriteFile(c *checker, p string, want error) {
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err == nil {
		_, err = f.Write([]byte("1"))
		f.Close()
	}
	if !errors.Is(err, want) {
		c.errorf("writing %s: %v, want %v", p, err, want)
	}
}

// wantContent checks a file's content.
func wantContent(c *checker, p, want string) {
	got, err := os.ReadFile(p)
	if err != nil || string(got) != want {
		c.errorf("%s holds %q (%v), want %q", p, got, err, want)
	}
}

// checkDefault checks the runc-like container of defaultConfig.
func checkDefault(c *checker, b *bundle) {
	t := readMounts(c)
	t.want(c, "/", t.fstype("/"), "ro")
	t.want(c, "/proc", "proc")
	dev := t.want(c, "/dev", "tmpfs", "nosuid", "rw")
	if !hasOption(dev.VFSOptions, "mode=755") || !hasOption(dev.VFSOptions, "size=65536k") {
		c.errorf("/dev has superblock options %s", dev.VFSOptions)
	}
	t.want(c, "/dev/pts", "devpts", "nosuid", "noexec")
	t.want(c, "/dev/shm", "tmpfs", "nosuid", "noexec", "nodev")
	t.want(c, "/dev/mqueue", "mqueue", "nosuid", "noexec", "nodev")
	t.want(c, "/sys", "sysfs", "ro", "nosuid", "noexec", "nodev")
	checkCgroupBinds(c, t, b)
	t.want(c, "/data-ro", t.fstype("/data-ro"), "ro")
	t.want(c, "/data-rw", t.fstype("/data-rw"), "rw")
	t.want(c, "/sub", t.fstype("/sub"), "rw")
	t.want(c, "/tmp", "tmpfs", "nosuid", "nodev")
	t.want(c, filepath.Join(b.dir, "outside"), "tmpfs") // where /evil pointed, inside
	t.want(c, "/relative", "tmpfs")
	t.want(c, "/ro-tmp", "tmpfs", "ro")

	wantWrite(c, "/", unix.EROFS)
	wantWrite(c, "/data-ro", unix.EROFS)
	wantWrite(c, "/ro-tmp", unix.EROFS)
	wantWriteFile(c, "/proc/sys/kernel/msgmax", unix.EROFS)
	wantWrite(c, "/sys/fs/cgroup", unix.EROFS)
	wantWrite(c, "/data-rw", nil)
	wantWrite(c, "/tmp", nil)
	wantWrite(c, "/dev/shm", nil)
	if st, err := os.Stat("/tmp"); err != nil || st.Mode()&os.ModeSticky == 0 {
		c.errorf("/tmp lost the image's mode 1777: %v %v", st.Mode(), err)
	}
	wantContent(c, "/data-ro/hello", "hello\n")
	wantContent(c, "/etc/resolv.conf", "from-host\n")
	checkDevices(c)
	checkMasked(c, t)
	checkHelpers(c)
	checkConsole(c)
	checkBusybox(c)
}

// checkDevices checks /dev's nodes and links.
func checkDevices(c *checker) {
	wantNode(c, "/dev/null", unix.S_IFCHR, 1, 3, 0o666, 0, 5) // the config's, over the default
	wantNode(c, "/dev/zero", unix.S_IFCHR, 1, 5, 0o666, 0, 0)
	wantNode(c, "/dev/full", unix.S_IFCHR, 1, 7, 0o666, 0, 0)
	wantNode(c, "/dev/random", unix.S_IFCHR, 1, 8, 0o666, 0, 0)
	wantNode(c, "/dev/urandom", unix.S_IFCHR, 1, 9, 0o666, 0, 0)
	wantNode(c, "/dev/tty", unix.S_IFCHR, 5, 0, 0o666, 0, 0)
	wantNode(c, "/dev/hull/fuse", unix.S_IFCHR, 10, 229, 0o600, 1000, 1001)
	wantNode(c, "/dev/hull-fifo", unix.S_IFIFO, 0, 0, 0o640, 0, 0)
	links := map[string]string{"/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0",
		"/dev/stdout": "/proc/self/fd/1", "/dev/stderr": "/proc/self/fd/2", "/dev/ptmx": "pts/ptmx"}
	if _, err := os.Stat("/proc/kcore"); err == nil {
		links["/dev/core"] = "/proc/kcore"
	}
	for link, want := range links {
		if got, err := os.Readlink(link); err != nil || got != want {
			c.errorf("%s -> %q (%v), want %q", link, got, err, want)
		}
	}
	if f, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0); err != nil {
		c.errorf("opening /dev/ptmx: %v", err)
	} else {
		f.Close()
	}
}

// checkMasked checks the masked paths of `runc spec`.
func checkMasked(c *checker, t mountTable) {
	// Masked with /dev/null (when the kernel has them).
	for _, p := range []string{"/proc/kcore", "/proc/timer_list", "/proc/sched_debug"} {
		if _, err := os.Stat(p); err == nil {
			wantDevice(c, p, unix.S_IFCHR, 1, 3)
			if t.top[p] == nil {
				c.errorf("no mount on the masked %s", p)
			}
		}
	}
	if b, err := os.ReadFile("/proc/timer_list"); err != nil || len(b) != 0 {
		c.errorf("masked /proc/timer_list reads %d bytes (%v), want 0", len(b), err)
	}
	t.want(c, "/sys/firmware", "tmpfs", "ro")
	if entries, err := os.ReadDir("/sys/firmware"); err != nil || len(entries) != 0 {
		c.errorf("masked /sys/firmware lists %d entries (%v)", len(entries), err)
	}
	wantWrite(c, "/sys/firmware", unix.EROFS)
}

// checkCgroupBinds checks the cgroup mounts of a container without a cgroup
// namespace: on a v1 or hybrid host, its own cgroup directories, read-only.
func checkCgroupBinds(c *checker, t mountTable, b *bundle) {
	if b.cgroup2 {
		t.want(c, "/sys/fs/cgroup", "cgroup2", "ro", "nosuid", "nodev", "noexec")
		return
	}
	t.want(c, "/sys/fs/cgroup", "tmpfs", "ro", "nosuid", "nodev", "noexec")
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		c.errorf("%v", err)
		return
	}
	own := ownCgroups(self)
	mem := t.want(c, "/sys/fs/cgroup/memory", "cgroup", "ro", "nosuid", "nodev", "noexec")
	if mem.Root != own["memory"].path {
		c.errorf("/sys/fs/cgroup/memory shows %q, want the container's own %q", mem.Root, own["memory"].path)
	}
	t.want(c, "/sys/fs/cgroup/unified", "cgroup2", "ro")
	t.want(c, "/sys/fs/cgroup/systemd", "cgroup", "ro")
}

// checkHelpers checks what SetHostname and WriteSysctls did.
func checkHelpers(c *checker) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		c.errorf("uname: %v", err)
	}
	host, domain := unix.ByteSliceToString(u.Nodename[:]), unix.ByteSliceToString(u.Domainname[:])
	if host != "hull-test" || domain != "hull.example" {
		c.errorf("host name %q, domain name %q", host, domain)
	}
	wantContent(c, "/proc/sys/kernel/msgmax", "16384\n")
}

// checkConsole checks that /dev/console is the fake host's pty.
func checkConsole(c *checker) {
	var st unix.Stat_t
	if err := unix.Stat("/dev/console", &st); err != nil {
		c.errorf("/dev/console: %v", err)
	} else if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) < 136 || unix.Major(st.Rdev) > 143 {
		c.errorf("/dev/console is %o %d:%d, want a pty slave", st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
}

// checkBusybox runs a program of the image in the finished container.
func checkBusybox(c *checker) {
	out, err := exec.Command("/bin/sh", "-c", "cat /hull-marker && ls /dev/null").CombinedOutput()
	if err != nil || string(out) != "marker\n/dev/null\n" {
		c.errorf("busybox in the container: %v: %q", err, out)
	}
}

// checkUserns checks the user-namespace container: devices bound from the
// host, sysfs bound from the host, locked flags kept.
func checkUserns(c *checker, b *bundle) {
	t := readMounts(c)
	t.want(c, "/", t.fstype("/"), "ro")
	t.want(c, "/dev/null", "devtmpfs")              // a bind of the host's node
	wantDevice(c, "/dev/kmsg", unix.S_IFCHR, 1, 11) // the host's node, its mode and owner

	t.want(c, "/sys", "sysfs", "ro", "nosuid", "noexec", "nodev")
	if n := t.count["/sys/fs/cgroup"]; n < 2 {
		c.errorf("%d mounts on /sys/fs/cgroup: /sys is not the rbind of the host's", n)
	}
	checkCgroupBinds(c, t, b)
	t.want(c, "/locked", "tmpfs", "ro", "nosuid", "nodev", "noexec")
	wantContent(c, "/locked/file", "locked\n")
	wantWrite(c, "/locked", unix.EROFS)
	wantWrite(c, "/data-ro", unix.EROFS)
	wantWriteFile(c, "/proc/sys/kernel/msgmax", unix.EROFS)
	checkMasked(c, t)
	checkHelpers(c)
	checkConsole(c)
	checkBusybox(c)
}

// checkCgroupns checks cgroups freshly mounted in a cgroup namespace.
func checkCgroupns(c *checker, b *bundle) {
	t := readMounts(c)
	if b.cgroup2 {
		if mi := t.want(c, "/sys/fs/cgroup", "cgroup2", "ro"); mi.Root != "/" {
			c.errorf("/sys/fs/cgroup shows %q, want the namespace's root", mi.Root)
		}
		return
	}
	t.want(c, "/sys/fs/cgroup", "tmpfs", "ro")
	for _, h := range []string{"memory", "cpu", "systemd"} {
		if mi := t.want(c, "/sys/fs/cgroup/"+h, "cgroup", "ro"); mi.Root != "/" {
			c.errorf("/sys/fs/cgroup/%s shows %q, want the namespace's root", h, mi.Root)
		}
	}
	t.want(c, "/sys/fs/cgroup/unified", "cgroup2", "ro")
	procs, err := os.ReadFile("/sys/fs/cgroup/memory/cgroup.procs")
	if err != nil || !bytes.Contains(append([]byte("\n"), procs...), []byte("\n1\n")) {
		c.errorf("the container's init is not in its memory cgroup's root: %q %v", procs, err)
	}
}

// checkNoPivot checks a chrooted container whose /dev is the rootfs's own.
func checkNoPivot(c *checker, b *bundle) {
	wantContent(c, "/hull-marker", "marker\n")
	if _, err := os.Stat(filepath.Join(b.dir, "hostfile")); !errors.Is(err, os.ErrNotExist) {
		c.errorf("the host's %s is reachable: %v", filepath.Join(b.dir, "hostfile"), err)
	}
	wantNode(c, "/dev/null", unix.S_IFCHR, 1, 3, 0o666, 0, 0)
	wantNode(c, "/dev/zero", unix.S_IFCHR, 1, 5, 0o666, 0, 0) // was 0600 in the image
	if got, err := os.Readlink("/dev/ptmx"); err != nil || got != "pts/ptmx" {
		c.errorf("/dev/ptmx -> %q (%v)", got, err)
	}
	t := readMounts(c)
	t.want(c, "/", t.fstype("/"))
	t.want(c, "/proc", "proc")
	checkBusybox(c)
}

// checkPropagation does what the runtime-tools validation does for
// linux.rootfsPropagation: bind "/" recursively, mount below "/", and see
// whether the mount shows in the bind.
func checkPropagation(p string) func(*checker, *bundle) {
	return func(c *checker, _ *bundle) {
		for _, d := range []string{"/mnt-root", "/mnt-new"} {
			if err := os.Mkdir(d, 0o755); err != nil {
				c.errorf("%v", err)
			}
		}
		err := unix.Mount("/", "/mnt-root", "", unix.MS_BIND|unix.MS_REC, "")
		if p == "unbindable" {
			if err != unix.EINVAL {
				c.errorf("binding an unbindable root: %v, want EINVAL", err)
			}
			return
		}
		if err != nil {
			c.errorf("binding /: %v", err)
			return
		}
		if err := unix.Mount("tmpfs", "/mnt-new", "tmpfs", 0, ""); err != nil {
			c.errorf("mounting /mnt-new: %v", err)
		}
		exposed := readMounts(c).top["/mnt-root/mnt-new"] != nil
		if want := strings.HasSuffix(p, "shared"); exposed != want {
			c.errorf("root propagation %s: new mount seen in a bind of / = %v, want %v", p, exposed, want)
		}
	}
}
