package cgroups

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// This file is the only place that touches cgroupfs files. It uses raw
// open/read/write/close instead of os.File: a container start writes a
// dozen of these tiny files and the os.File machinery (finalizers, poller
// registration) would cost more than the writes themselves.

// fileError describes a failed read or write of one cgroup file. Its message
// names the file and the value, for example
//
//	setting memory.limit_in_bytes to "1234": invalid argument
//
// and it wraps both the errno and the errdefs kind that fits it.
type fileError struct {
	op    string // "setting" or "reading"
	dir   string
	file  string
	value string
	err   error
	kind  error // nil when no errdefs kind fits
	gone  bool  // ENOENT because the cgroup itself is gone, not the file
}

func newFileError(op, dir, file, value string, err error) *fileError {
	e := &fileError{op: op, dir: dir, file: file, value: value, err: err}
	e.gone = errors.Is(err, unix.ENOENT) && !dirExists(dir)
	switch {
	case e.gone:
		e.kind = errdefs.ErrNotFound
	case errors.Is(err, unix.ENOENT):
		e.kind = errdefs.ErrUnavailable
	default:
		e.kind = errnoKind(err)
	}
	return e
}

func (e *fileError) Error() string {
	what := e.op + " " + e.file
	if e.op == "setting" {
		what += fmt.Sprintf(" to %q", e.value)
	}
	switch {
	case e.gone:
		return fmt.Sprintf("%s: cgroup %s does not exist", what, e.dir)
	case errors.Is(e.err, unix.ENOENT):
		return fmt.Sprintf("%s: no such file in %s (the kernel lacks this feature or its controller is not enabled here)", what, e.dir)
	}
	return what + ": " + e.err.Error()
}

func (e *fileError) Unwrap() []error {
	if e.kind != nil {
		return []error{e.err, e.kind}
	}
	return []error{e.err}
}

// errnoKind maps what cgroupfs answers to hull's error kinds.
func errnoKind(err error) error {
	switch {
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ERANGE), errors.Is(err, unix.EOVERFLOW):
		return errdefs.ErrInvalidArgument
	case errors.Is(err, unix.EBUSY):
		return errdefs.ErrConflict
	}
	return nil
}

func dirExists(dir string) bool {
	var st unix.Stat_t
	return unix.Stat(dir, &st) == nil
}

// fileExists reports whether dir/file exists; optional features are probed
// with it so that a missing one can be skipped or reported by name.
func fileExists(dir, file string) bool {
	return unix.Access(dir+"/"+file, unix.F_OK) == nil
}

// writeFile writes value to dir/file in a single write(2), as cgroupfs
// requires. It never creates the file: a missing file means the kernel lacks
// the feature, and the error says so. O_TRUNC changes nothing on cgroupfs
// but lets tests use plain files.
func writeFile(dir, file, value string) error {
	fd, err := openFile(dir+"/"+file, unix.O_WRONLY|unix.O_TRUNC)
	if err == nil {
		err = writeAll(fd, value)
		unix.Close(fd)
	}
	if err != nil {
		return newFileError("setting", dir, file, value, err)
	}
	return nil
}

// fileValue is one write to a cgroup file.
type fileValue struct{ file, value string }

// writeFiles writes the values in order. Consecutive values for the same
// file go through one open file descriptor: cgroupfs takes each write(2) as
// one value (one device rule, one io.max line), and opening a cgroup file
// costs several times more than writing to it.
func writeFiles(dir string, writes []fileValue) error {
	fd, open := -1, ""
	defer func() {
		if fd >= 0 {
			unix.Close(fd)
		}
	}()
	for _, w := range writes {
		if w.file != open || fd < 0 {
			if fd >= 0 {
				unix.Close(fd)
			}
			var err error
			if fd, err = openFile(dir+"/"+w.file, unix.O_WRONLY|unix.O_TRUNC); err != nil {
				return newFileError("setting", dir, w.file, w.value, err)
			}
			open = w.file
		}
		if err := writeAll(fd, w.value); err != nil {
			return newFileError("setting", dir, w.file, w.value, err)
		}
	}
	return nil
}

func writeAll(fd int, value string) error {
	for {
		n, err := unix.Write(fd, []byte(value))
		if err == unix.EINTR {
			continue
		}
		if err == nil && n != len(value) {
			err = fmt.Errorf("short write (%d of %d bytes)", n, len(value))
		}
		return err
	}
}

func openFile(path string, flags int) (int, error) {
	for {
		fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// readFile returns the whole content of dir/file.
func readFile(dir, file string) (string, error) {
	fd, err := openFile(dir+"/"+file, unix.O_RDONLY)
	if err != nil {
		return "", newFileError("reading", dir, file, "", err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 512)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", newFileError("reading", dir, file, "", err)
		}
		if n == 0 {
			return string(buf), nil
		}
		buf = buf[:len(buf)+n]
	}
}

// readTrimmed returns dir/file without its trailing newline.
func readTrimmed(dir, file string) (string, error) {
	s, err := readFile(dir, file)
	return strings.TrimSpace(s), err
}

// readUint reads a file holding one number; "max" (cgroup v2's word for no
// limit) reads as math.MaxUint64.
func readUint(dir, file string) (uint64, error) {
	s, err := readTrimmed(dir, file)
	if err != nil {
		return 0, err
	}
	return parseUint(s, file)
}

func parseUint(s, file string) (uint64, error) {
	if s == "max" {
		return math.MaxUint64, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		// Some v1 files can read -1 for "no limit".
		if i, err2 := strconv.ParseInt(s, 10, 64); err2 == nil && i < 0 {
			return math.MaxUint64, nil
		}
		return 0, fmt.Errorf("parsing %s: %w", file, err)
	}
	return v, nil
}

// readKeyValues parses the "key value" lines of files such as memory.stat
// and cpu.stat. Lines that do not hold a number are skipped.
func readKeyValues(dir, file string) (map[string]uint64, error) {
	s, err := readFile(dir, file)
	if err != nil {
		return nil, err
	}
	m := make(map[string]uint64, 32)
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			m[k] = n
		}
	}
	return m, nil
}

// formatLimit turns an OCI limit into the file value: a negative number
// means "no limit", which v1 files spell -1 and v2 files spell "max".
func formatLimit(v int64, v2 bool) string {
	if v < 0 {
		if v2 {
			return "max"
		}
		return "-1"
	}
	return strconv.FormatInt(v, 10)
}

// isCgroupFS reports whether path is on a cgroup (v1 or v2) file system.
// Load uses it so that a tampered state file cannot point hull's writes and
// rmdirs at an ordinary directory.
func isCgroupFS(path string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return os.IsNotExist(err) // gone is fine: the caller may be deleting it
	}
	return st.Type == unix.CGROUP_SUPER_MAGIC || st.Type == unix.CGROUP2_SUPER_MAGIC
}
