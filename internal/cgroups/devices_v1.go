package cgroups

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The v1 devices controller keeps a default (allow or deny everything) and a
// list of exceptions to it. Writing "a" to devices.allow or devices.deny
// resets both; any other line adds access bits to the exception with exactly
// that type and numbers (when it goes against the default) or removes them
// (when it goes with it). devices.list shows the exceptions of a deny-default
// cgroup, but an allow-default cgroup shows only "a *:* rwm", whatever
// exceptions it has.
//
// So that a live update never blocks a device the container keeps (no
// EPERM on /dev/null halfway through an update), hull computes the list the
// rules lead to and, when the cgroup is deny-default already, writes only
// the difference, additions first. It resets only when the default must
// change or the current exceptions cannot be read. A reset is also refused
// by the kernel once the cgroup has sub-cgroups, which the difference avoids.

type exceptionKey struct {
	typ          byte // 'b' or 'c'
	major, minor int64
}

type exception struct {
	exceptionKey
	access access
}

// deviceList is a v1 devices cgroup's state.
type deviceList struct {
	defaultAllow bool
	exceptions   []exception
}

func (l *deviceList) find(k exceptionKey) int {
	for i, e := range l.exceptions {
		if e.exceptionKey == k {
			return i
		}
	}
	return -1
}

// apply changes the list as the kernel does when the rule is written.
func (l *deviceList) apply(r deviceRule) {
	if r.matchesAll() {
		*l = deviceList{defaultAllow: r.allow}
		return
	}
	types := []byte{r.typ}
	if r.typ == 'a' { // partial "a" rules: the kernel would reset instead
		types = []byte{'b', 'c'}
	}
	for _, t := range types {
		k := exceptionKey{t, r.major, r.minor}
		i := l.find(k)
		switch {
		case r.allow != l.defaultAllow && i < 0:
			l.exceptions = append(l.exceptions, exception{k, r.access})
		case r.allow != l.defaultAllow:
			l.exceptions[i].access |= r.access
		case i >= 0:
			l.exceptions[i].access &^= r.access
			if l.exceptions[i].access == 0 {
				l.exceptions = append(l.exceptions[:i], l.exceptions[i+1:]...)
			}
		}
	}
}

// parseDevicesList reads devices.list. known is false for an allow-default
// cgroup, whose exceptions the kernel does not show.
func parseDevicesList(s string) (l deviceList, known bool, err error) {
	s = strings.TrimSpace(s)
	if s == "a *:* rwm" {
		return deviceList{defaultAllow: true}, false, nil
	}
	for line := range strings.SplitSeq(s, "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || len(f[0]) != 1 || (f[0][0] != 'b' && f[0][0] != 'c') {
			return l, false, fmt.Errorf("parsing devices.list line %q", line)
		}
		majS, minS, ok := strings.Cut(f[1], ":")
		major, err1 := parseDeviceNumber(majS)
		minor, err2 := parseDeviceNumber(minS)
		if !ok || err1 != nil || err2 != nil {
			return l, false, fmt.Errorf("parsing devices.list line %q", line)
		}
		var acc access
		for _, c := range f[2] {
			switch c {
			case 'r':
				acc |= accRead
			case 'w':
				acc |= accWrite
			case 'm':
				acc |= accMknod
			}
		}
		l.exceptions = append(l.exceptions, exception{exceptionKey{f[0][0], major, minor}, acc})
	}
	return l, true, nil
}

func parseDeviceNumber(s string) (int64, error) {
	if s == "*" {
		return wildcard, nil
	}
	return strconv.ParseInt(s, 10, 64)
}

func (e exception) line(acc access) string {
	return fmt.Sprintf("%c %s:%s %s", e.typ, formatDeviceNumber(e.major), formatDeviceNumber(e.minor), acc)
}

// setDevicesV1 applies the rules to a v1 devices cgroup; fresh says Create
// has just made it (no process, no sub-cgroup: a reset is safe and cheaper
// than reading the list).
func setDevicesV1(dir string, rules []deviceRule, fresh bool) error {
	reset := -1
	for i, r := range rules {
		if r.matchesAll() {
			reset = i
		}
	}
	if reset < 0 {
		// The rules build on what the cgroup has, which the kernel does
		// exactly when they are written one by one: each as an exception
		// against the opposite default goes to its own file.
		var w []fileValue
		for _, r := range rules {
			l := deviceList{defaultAllow: !r.allow}
			l.apply(r)
			w = append(w, exceptionWrites(l)...)
		}
		return writeFiles(dir, w)
	}
	target := deviceList{defaultAllow: rules[reset].allow}
	for _, r := range rules[reset+1:] {
		target.apply(r)
	}
	if !fresh {
		s, err := readFile(dir, "devices.list")
		if err != nil {
			return err
		}
		current, known, err := parseDevicesList(s)
		if err != nil {
			return err
		}
		if known && !current.defaultAllow && !target.defaultAllow {
			return writeFiles(dir, updateExceptions(current, target))
		}
	}
	file := "devices.deny"
	if target.defaultAllow {
		file = "devices.allow"
	}
	if fresh {
		return writeFiles(dir, append([]fileValue{{file, "a"}}, exceptionWrites(target)...))
	}
	if err := resetDevices(dir, file); err != nil {
		return err
	}
	return writeFiles(dir, exceptionWrites(target))
}

// resetDevices writes "a" to file. The kernel refuses a reset (EINVAL)
// while the cgroup has sub-cgroups online, and a sub-cgroup goes offline
// only a moment after its rmdir returns: wait that moment out.
func resetDevices(dir, file string) error {
	delay := time.Millisecond
	for try := 0; ; try++ {
		err := writeFile(dir, file, "a")
		if err == nil || !errors.Is(err, unix.EINVAL) {
			return err
		}
		if try == 7 {
			return fmt.Errorf("%w (the kernel resets device rules only in a cgroup without sub-cgroups)", err)
		}
		time.Sleep(delay)
		delay *= 2
	}
}

// exceptionWrites adds l's exceptions to a cgroup whose default is l's.
func exceptionWrites(l deviceList) []fileValue {
	file := "devices.allow"
	if l.defaultAllow {
		file = "devices.deny"
	}
	w := make([]fileValue, 0, len(l.exceptions))
	for _, e := range l.exceptions {
		w = append(w, fileValue{file, e.line(e.access)})
	}
	return w
}

// updateExceptions turns the allow exceptions of a deny-default cgroup from
// current into target: it grants what is missing, then revokes the rest.
func updateExceptions(current, target deviceList) []fileValue {
	var w []fileValue
	for _, e := range target.exceptions {
		have := access(0)
		if i := current.find(e.exceptionKey); i >= 0 {
			have = current.exceptions[i].access
		}
		if missing := e.access &^ have; missing != 0 {
			w = append(w, fileValue{"devices.allow", e.line(missing)})
		}
	}
	for _, e := range current.exceptions {
		want := access(0)
		if i := target.find(e.exceptionKey); i >= 0 {
			want = target.exceptions[i].access
		}
		if extra := e.access &^ want; extra != 0 {
			w = append(w, fileValue{"devices.deny", e.line(extra)})
		}
	}
	return w
}
