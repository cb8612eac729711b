// Package content is hull's content store: the blobs of OCI images
// (indexes, manifests, configs, layers), each stored under the digest of
// its bytes, as the OCI image spec names them ("sha256:<64 hex>",
// "sha512:<128 hex>"). Store is the interface; Local is the store in a
// directory, shared safely by any number of hull processes at once.
//
// # Layout
//
//	ROOT/
//	  lock                        store lock: GC exclusive; writers, leases
//	                              and label updates shared
//	  labels.lock                 serializes label read-modify-writes
//	  blobs/<alg>/<encoded>       committed blobs, read-only (0444), immutable
//	  labels/<alg>/<encoded>.json a blob's labels, a JSON object of strings
//	  ingest/<sha256(ref)>/       one unfinished write, named by its ref:
//	    lock                      held by its one writer
//	    status.json               ref, expected digest and size, start time
//	    data                      the bytes so far (length = offset)
//
// Every lock is flock(2): it works between goroutines and between
// processes alike, and dies with its process.
//
// # Guarantees
//
// Verified on write. A Writer hashes while it writes. Commit accepts the
// data only if its size and digest are what Ingest was told; it fsyncs the
// data, writes the labels, and renames the data into blobs/ — the one step
// that makes a blob visible, atomic in the filesystem — then fsyncs the
// directory. A mismatch is an errdefs.ErrInvalidArgument and removes the
// ingest. Writing past the expected size fails at once. So blobs/ holds
// only whole, verified blobs, whatever the writer sent and whenever it was
// killed.
//
// Verified on read. Reader.Read, reading a blob from start to end, fails
// with ErrCorrupt (naming the digest and what the bytes hash to) instead
// of returning io.EOF if the bytes changed on disk. Verify checks a blob
// the same way. ReadAt cannot verify; see Reader.
//
// One writer per ref. Ingest locks the ref; a second writer of the same
// ref, in any process, waits until the first finishes or its ctx ends
// (errdefs.ErrUnavailable). If the first committed the blob, the second's
// Ingest reports errdefs.ErrAlreadyExists, the signal to skip the
// download. Two writers of the same blob under different refs both
// succeed: the second Commit replaces the blob with the same, freshly
// verified, bytes and merges its labels.
//
// Resumable ingests. Close keeps the ingest; Ingest of the same ref with
// the same expectations resumes it at Offset, rehashing the data already
// there (one read of it, and no saved hash state to disagree with the data
// after a crash). Different expectations, or Reset, start it over. After a
// power loss (not a process kill) the data may hold bytes that never
// reached the disk; the digest check at Commit catches that, and the
// caller starts over. CleanIngests removes ingests that nobody holds and
// nobody wrote to recently.
//
// Garbage collection. Labels mark roots (LabelGCRoot) and references to
// children (LabelGCRefPrefix + any name, valued with the child's digest).
// GC deletes what is not reachable from a root. It holds the store lock
// exclusively, so it never runs during a write, and a caller that commits
// several blobs before the one that refers to them holds a Lease meanwhile.
//
// Not here: leases that outlive their process, a quota for ingests, and
// ordering Delete against a concurrent Commit of the same blob (the blob
// may lose its labels, and GC may then collect it: safe, it is fetched
// again).
package content
