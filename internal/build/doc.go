// Package build turns a Dockerfile and a build context into an image in
// hull's store, as `docker build` with the classic builder does, with a
// content-addressed layer cache that survives across processes.
//
// Vocabulary:
//
//   - context: the directory (or tarball, unpacked into a temporary
//     directory) whose files COPY and ADD read, less what .dockerignore
//     excludes.
//   - stage: the steps from one FROM to the next; a stage's result is a
//     state another stage may start FROM or COPY --from.
//   - step: one instruction. A step that changes the filesystem (RUN, COPY,
//     ADD) becomes a layer; the others change only the config.
//   - state: what a step leaves behind: an image config, its layers, the
//     committed snapshot holding them (the chain) and the cache key.
//   - work: the temporary things one step needs (a snapshot, its mount, a
//     runtime container and its cgroup), named by an ID and recorded as
//     DIR/work/ID while the step runs (DIR is Config.Dir, ROOT/build).
//
// How a step changing the filesystem runs: a writable snapshot is prepared
// on the previous state's chain and mounted; RUN starts a container on it
// through the runtime (namespaces, Docker's default capabilities and seccomp
// profile, no network unless --network host) and waits for it; COPY and ADD
// write into the mount directly. The snapshot is then unmounted, diffed into
// a layer blob and committed under its chain ID, where the next step, and
// later `hull run`, find it.
//
// # Cache
//
// A step's key is the SHA-256 of its parent's key, the instruction with its
// arguments resolved (ARG and ENV expanded, the build arguments a RUN sees)
// and, for COPY and ADD, a digest of the files copied: their paths, types,
// modes, link targets and contents, never their times or owners (COPY sets
// the owner). A stage's first key is the image ID it starts from.
//
// An entry (DIR/cache/KEY.json, written atomically, no lock needed to
// read it) holds the state's config, its layer descriptors and its chain.
// What keeps the entry's data alive in the stores it shares with images:
//
//   - the layer blob a step made carries content.LabelGCRoot
//     ("build-cache"), so content GC keeps it;
//   - a view snapshot "build-hold-CHAIN" on the last chain of each line of
//     steps keeps that chain and its ancestors from image prune and rmi
//     (the snapshotter removes no parent). It is labelled as made from no
//     image, so rmi does not take it for a container.
//
// lookup checks that the chain and every layer blob are still there, so an
// entry whose data went (another tool, a crash) is a miss, never a broken
// image. Prune removes entries, drops the root label of every layer no
// remaining entry lists, moves the holds to the leaves of what remains and
// lets the image service collect what is free. Builds hold DIR/lock
// shared, Prune exclusively.
//
// # Crashes and interrupts
//
// Every work directory, and every unpacked tarball context (DIR/tmp), holds
// a file its build keeps flocked. Interrupts (the caller's context) end the
// running container and undo the step; after a kill -9 the next build,
// `hull builder prune` or `hull system prune` finds the directories whose
// lock is free and removes what they name: the runtime container (through
// its cgroup if it was caught half-made), mounts and snapshots. Prune also
// aborts the layer ingests whose writer died. Nothing is tagged until the
// last step succeeded.
package build
