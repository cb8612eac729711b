// Package events is hull's events journal: what `hull events` streams, and
// later the Docker API's /events. Every hull process that changes a
// container, an image, a volume or a network (CLI invocations and each
// container's monitor) appends what happened; any number of readers replay
// the history and follow new events as they come.
//
// There is no daemon to hold events in memory, so the journal is a file of
// JSON lines, one event each, in Docker's /events message format:
//
//	{"status":"start","id":"4f..","from":"busybox","Type":"container","Action":"start",
//	 "Actor":{"ID":"4f..","Attributes":{"image":"busybox","name":"web"}},
//	 "scope":"local","time":1700000000,"timeNano":1700000000123456789}
//
// How many processes share it safely:
//
//   - Each event is one write(2) to a descriptor opened with O_APPEND, and
//     lines are kept under 4 KiB, so concurrent appends never interleave.
//   - The file is bounded: past a size limit (4 MiB by default) the append
//     that crossed it renames it to events.log.1, replacing the previous
//     one, and starts a new events.log. Rotation holds an exclusive flock on
//     events.log.lock; appends hold it shared, which never makes one append
//     wait for another but guarantees no append lands in a file after it
//     has been rotated away (where a follower that moved on would miss it).
//   - Readers replay events.log.1 then events.log, then follow with inotify
//     on the directory; on rotation they finish the old file (nothing more
//     can be written to it) and continue in the new one. A reader that
//     falls two whole generations behind (8 MiB of events by default) loses
//     the one in between; Docker's in-memory ring keeps far less.
//   - A line that is torn or not JSON (a crash, a full disk, an edit) is
//     skipped, never fatal.
//
// The journal's directory is best its own (the engine uses
// <root>/events/events.log): followers wake for every change in it.
package events
