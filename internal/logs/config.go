package logs

import (
	"os"
	"strconv"
	"time"
)

// Config says where a container's log lives and how it is rotated.
type Config struct {
	// Path is the current log file. Empty means the container keeps no log
	// (Docker's --log-driver none).
	Path string
	// MaxSize is the size in bytes at which the current file is rotated;
	// 0 means never.
	MaxSize int64
	// MaxFiles is how many files are kept, the current one included. With 1
	// (or less) a full file is truncated rather than rotated, as Docker's
	// max-file=1 does.
	MaxFiles int
}

// Entry is one line of a container's output.
type Entry struct {
	// Stream is "stdout" or "stderr"; with a terminal everything is stdout.
	Stream string
	// Line is the text with its newline, except for the pieces of a line
	// longer than MaxLine and a last line the container never ended.
	Line []byte
	// Time is when the monitor read the line.
	Time time.Time
}

// MaxLine is the longest entry a Writer makes: longer lines are split, as
// Docker's log copier splits them.
const MaxLine = 16 << 10

// rotated returns the name of the n-th rotated file (0 is the current one).
func (c Config) rotated(n int) string {
	if n == 0 {
		return c.Path
	}
	return c.Path + "." + strconv.Itoa(n)
}

// files opens the log files that exist, oldest first. The current file is
// opened first and the rotated ones after it, newest to oldest, each
// checked against those opened already: a rotation in between can then show
// a file twice, which is skipped, but never hide one.
func (c Config) files() ([]*os.File, error) {
	var out []*os.File
	seen := map[uint64]bool{}
	for n := 0; ; n++ {
		f, err := os.Open(c.rotated(n))
		if os.IsNotExist(err) {
			if n == 0 {
				continue // rotated between the two opens, or no log yet
			}
			break
		}
		if err != nil {
			closeAll(out)
			return nil, err
		}
		ino := inode(f)
		if seen[ino] {
			f.Close()
			continue
		}
		seen[ino] = true
		out = append(out, f)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}
