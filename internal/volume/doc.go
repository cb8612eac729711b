// Package volume keeps hull's named volumes: directories of data that
// outlive the containers using them, with the behaviour of Docker's
// "local" volume driver.
//
// # Lifecycle
//
// A volume is created by name (or anonymously, with a random 64-hex name
// and the label com.docker.volume.anonymous), used by containers, and
// removed once no container uses it:
//
//	v, err := store.Create(volume.CreateOptions{Name: "data"})
//	host, err := store.Acquire(v.Name, containerID) // at create and at every start
//	err = store.PopulateIn(v.Name, rootfs, "/var/lib/data") // before the first start
//	... bind-mount host into the container ...
//	err = store.Release(v.Name, containerID) // when the container is removed
//	err = store.Remove(v.Name) // refused while any container holds it
//
// Acquire records a reference: one empty file per container under refs/.
// Remove refuses a volume with references (force does not override, as in
// Docker) and Prune skips it. The store keeps no daemon: the references
// on disk are the truth every hull process shares.
//
// Options make a volume a mount, as mount(8) would: type=tmpfs with
// device=tmpfs and o=size=64m,uid=1000, or type=none, o=bind and
// device=/some/dir. The device is mounted on _data when the first
// reference is taken and unmounted when the last is released. Without
// options _data is a plain directory.
//
// Populating is Docker's copy-up: the first time an empty volume is
// mounted where the image has content, that content is copied in (owners,
// modes, xattrs, times, symlinks as links, hard links as links), and the
// volume is marked so it is never filled again. (Docker's nocopy mount
// option is the caller's: it does not call Populate.) The source tree is
// the image's, so untrusted: it is walked by file descriptor, never
// following a symlink, and nothing outside it is read.
//
// # Layout
//
//	ROOT/.lock                 flock: creators share it, cleaners take it alone
//	ROOT/<name>/volume.json    name, driver, labels, options, creation time
//	ROOT/<name>/_data          the data, or the mount point of the device
//	ROOT/<name>/refs/<id>      one empty file per container using the volume
//	ROOT/<name>/populated      present once the volume was filled from an image
//	ROOT/<name>/populating     present while a fill runs
//	ROOT/.tmp-*                a volume being created
//	ROOT/.trash-*              a volume being removed
//
// # Concurrency and crash safety
//
// Each volume's directory is its lock: Acquire, Release, Populate and
// Remove hold an flock on ROOT/<name> and check, once they hold it, that
// the name still leads to the directory they locked. Remove renames the
// locked directory away before it deletes anything, so an Acquire waiting
// on the lock finds the name gone and fails, and a volume is never removed
// while a container is being created with it.
//
// A volume appears by one rename: Create builds it whole under .tmp-*
// (holding ROOT/.lock shared) and renames it to its name, so a kill -9
// leaves either no volume or a whole one. It disappears by one rename too.
// What a killed process leaves behind (.tmp-* no creator holds, .trash-*
// no remover holds, a directory without volume.json) is invisible to List
// and Get and is deleted by the next Create or Prune. A fill cut short
// leaves "populating", and the next Populate finishes the copy.
//
// Deleting never crosses a mount: a device volume is unmounted first, and
// a tree with anything still mounted beneath it is left alone, so the
// directory of a bind volume is never emptied by removing the volume.
package volume
