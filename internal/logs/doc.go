// Package logs keeps a container's output in Docker's json-file format, so
// that what `docker logs` users and their tools expect of a log file holds for
// hull's: one JSON object a line,
//
//	{"log":"hello\n","stream":"stdout","time":"2026-12-03T10:00:00.123456789Z"}
//
// in Config.Path, rotated by size to Path.1, Path.2, ... (Path.1 the newest
// of the old ones), keeping at most Config.MaxFiles files.
//
// The container's monitor writes (Writer, one LineWriter per stream); `hull
// logs` reads (Read), from another process, while the monitor writes. The two
// share nothing but the files, so the format is the whole contract:
//
//   - Every entry is one write(2) to a file opened with O_APPEND, made of
//     whole lines. Nothing is buffered in user space beyond a partial line,
//     so a monitor killed with SIGKILL loses at most the line it had not
//     finished reading, and a reader never needs a lock.
//   - A line longer than 16 KiB is split into entries of 16 KiB whose "log"
//     has no newline, as Docker splits them; a reader joins them if it cares.
//   - Rotation renames files, newest last; a reader that holds a file open
//     finds where it went by its inode.
package logs
