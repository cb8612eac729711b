// Package spec turns an image and Docker's `run` options into the OCI
// runtime configuration (config.json) of an engine container, and parses
// the values of Docker's run flags that have a syntax of their own.
//
// It is the one place where Docker's semantics of `docker run` live: what
// --entrypoint "" means, how the image's ENV and the user's -e merge, which
// capabilities a container gets, which paths of /proc are masked, what a
// --tmpfs is mounted with. The engine calls Generate with the image's
// config and an Options it filled in from the user's request; the CLI
// calls the parsers (ParseBytes, ParseMount, ParseUlimit, ...) on flag
// values, so that a mistake is reported before anything is created, in
// the words Docker uses for it. Every parser error is an
// errdefs.ErrInvalidArgument whose message is Docker's own, without a
// suffix.
//
// # What is whose
//
// The package neither mounts nor creates anything. Named and anonymous
// volumes, the existence of a bind source (CheckBindSource helps), the
// container's /etc/hosts, /etc/hostname and /etc/resolv.conf, and the
// working directory inside the rootfs are the engine's: it resolves them
// and passes the results as Options.Mounts. The runtime adds the
// runtime-spec's default devices and their cgroup rules on top of
// Docker's.
//
// # The host
//
// Generate reads a few facts of the machine, once: the cgroup version
// (Docker's default cgroup namespace mode depends on it), whether swap and
// blkio weight limits are possible (Docker drops them with a warning when
// they are not, and so does Generate, through Options.Warn), the kernel
// version and last capability (for "ALL" and the seccomp profile's
// conditions), and for --privileged the host's device nodes.
//
// # The image is not trusted
//
// The image's /etc/passwd and /etc/group decide the container's user, and
// the image's author decides what those files are: ResolveUser opens them
// with openat2(RESOLVE_IN_ROOT), so that a symlink cannot point hull at a
// host file, and reads regular files only, and only so much of them.
package spec
