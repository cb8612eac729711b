package logs

import (
	"bytes"
	"io"
	"os"
)

// tailStart finds where the last n lines of files (oldest first) begin:
// the index of the file and the offset in it. It reads backwards from the
// end in blocks, so a tail of a large log costs what the tail is long.
func tailStart(files []*os.File, n int) (int, int64, error) {
	for i := len(files) - 1; i >= 0; i-- {
		off, found, err := tailOffset(files[i], n)
		if err != nil {
			return 0, 0, err
		}
		if found == n {
			return i, off, nil
		}
		n -= found
	}
	return 0, 0, nil
}

// tailOffset returns the offset at which the last n lines of f begin and
// how many lines it found (fewer than n when f is shorter). A last line
// without its newline counts as a line.
func tailOffset(f *os.File, n int) (int64, int, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	end := st.Size()
	if n == 0 {
		return end, 0, nil
	}
	buf := make([]byte, 64<<10)
	found := 0
	pos := end
	first := true
	for pos > 0 {
		size := min(int64(len(buf)), pos)
		pos -= size
		chunk := buf[:size]
		if _, err := f.ReadAt(chunk, pos); err != nil && err != io.EOF {
			return 0, 0, err
		}
		if first {
			// The newline that ends the file ends the last line; it does
			// not start one.
			if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
				chunk = chunk[:len(chunk)-1]
			}
			first = false
		}
		for {
			i := bytes.LastIndexByte(chunk, '\n')
			if i < 0 {
				break
			}
			found++
			if found == n {
				return pos + int64(i) + 1, n, nil
			}
			chunk = chunk[:i]
		}
	}
	if end > 0 {
		found++ // the first line of the file, which no newline precedes
	}
	return 0, found, nil
}
