package runtime

import (
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

var schedPolicies = map[specs.LinuxSchedulerPolicy]uint32{
	specs.SchedOther:    0,
	specs.SchedFIFO:     1,
	specs.SchedRR:       2,
	specs.SchedBatch:    3,
	specs.SchedISO:      4,
	specs.SchedIdle:     5,
	specs.SchedDeadline: 6,
}

var schedFlags = map[specs.LinuxSchedulerFlag]uint64{
	specs.SchedFlagResetOnFork:  0x01,
	specs.SchedFlagReclaim:      0x02,
	specs.SchedFlagDLOverrun:    0x04,
	specs.SchedFlagKeepPolicy:   0x08,
	specs.SchedFlagKeepParams:   0x10,
	specs.SchedFlagUtilClampMin: 0x20,
	specs.SchedFlagUtilClampMax: 0x40,
}

var ioprioClasses = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT:   1,
	specs.IOPRIO_CLASS_BE:   2,
	specs.IOPRIO_CLASS_IDLE: 3,
}

// setScheduling applies process.scheduler and process.ioPriority.
func setScheduling(p *specs.Process) error {
	if s := p.Scheduler; s != nil {
		policy, ok := schedPolicies[s.Policy]
		if !ok {
			return fmt.Errorf("unknown scheduler policy %q: %w", s.Policy, errdefs.ErrInvalidArgument)
		}
		attr := unix.SchedAttr{
			Size:     unix.SizeofSchedAttr,
			Policy:   policy,
			Nice:     s.Nice,
			Priority: uint32(s.Priority),
			Runtime:  s.Runtime,
			Deadline: s.Deadline,
			Period:   s.Period,
		}
		for _, f := range s.Flags {
			v, ok := schedFlags[f]
			if !ok {
				return fmt.Errorf("unknown scheduler flag %q: %w", f, errdefs.ErrInvalidArgument)
			}
			attr.Flags |= v
		}
		if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
			return fmt.Errorf("setting scheduler %s: %w", s.Policy, err)
		}
	}
	if io := p.IOPriority; io != nil {
		class, ok := ioprioClasses[io.Class]
		if !ok {
			return fmt.Errorf("unknown I/O priority class %q: %w", io.Class, errdefs.ErrInvalidArgument)
		}
		const ioprioWhoProcess = 1
		prio := class<<13 | int(io.Priority)
		if _, _, e := unix.RawSyscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, 0, uintptr(prio)); e != 0 {
			return fmt.Errorf("setting I/O priority %s %d: %w", io.Class, io.Priority, e)
		}
	}
	return nil
}

// applyLSM asks for the process's AppArmor profile and SELinux label at
// execve. A profile on a host without AppArmor is an error: running
// unconfined when confinement was asked for would be a silent downgrade.
// An SELinux label on a host without SELinux is ignored, as runc does.
// The attr files are per thread; init runs on one locked thread.
func applyLSM(p *specs.Process) error {
	if p.SelinuxLabel != "" && selinuxEnabled() {
		if err := os.WriteFile("/proc/thread-self/attr/exec", []byte(p.SelinuxLabel), 0); err != nil {
			return fmt.Errorf("applying SELinux label %q: %w", p.SelinuxLabel, err)
		}
	}
	if p.ApparmorProfile == "" {
		return nil
	}
	if !apparmorEnabled() {
		return fmt.Errorf("apparmor profile %q requested but AppArmor is not enabled on this host: %w",
			p.ApparmorProfile, errdefs.ErrUnavailable)
	}
	path := "/proc/thread-self/attr/apparmor/exec"
	if _, err := os.Stat(path); err != nil {
		path = "/proc/thread-self/attr/exec"
	}
	if err := os.WriteFile(path, []byte("exec "+p.ApparmorProfile), 0); err != nil {
		return fmt.Errorf("applying apparmor profile %q: %w", p.ApparmorProfile, err)
	}
	return nil
}

func selinuxEnabled() bool {
	_, err := os.Stat("/sys/fs/selinux/enforce")
	return err == nil
}

func apparmorEnabled() bool {
	data, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	return err == nil && strings.HasPrefix(string(data), "Y")
}
