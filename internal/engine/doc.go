// Package engine is hull's one in-process API for containers: the CLI calls
// it now, and the HTTP server will call the same methods later. It turns
// Docker's create request (a container.Config and a container.HostConfig, the
// Docker Engine API's own types) into a container with a root filesystem,
// volumes and an OCI bundle, hands the running of it to a monitor process,
// and answers for it afterwards: inspect, ps, logs, stop, exec, update, rm.
//
// Vocabulary, used the same way in every file:
//
//   - container: what Create makes; its record (container.json) and
//     everything else it owns live in ROOT/containers/<id>/.
//   - bundle: that same directory, once Start has written config.json and
//     mounted the root filesystem at rootfs/.
//   - monitor: the small process (package monitor) that creates the
//     container in the runtime, holds its stdio, writes its logs and records
//     its exit. There is no daemon: a detached container is watched by its
//     monitor alone.
//   - runtime container: the OCI runtime's view (package runtime), under the
//     exec root; it exists only while the container runs.
//
// # Layout
//
//	ROOT/containers/<id>/container.json  the record: configs, image, mounts
//	ROOT/containers/<id>/state.json      the monitor's: running, exit code...
//	ROOT/containers/<id>/<id>-json.log   the logs (Docker's json-file format)
//	ROOT/containers/<id>/shm             the /dev/shm tmpfs of --ipc shareable
//	ROOT/containers/names/<name>         a symlink to the id: names are unique
//	ROOT/volumes                         named volumes (package volume)
//	ROOT/networks                        networks, endpoints, IPAM (package network)
//	ROOT/events/events.log               the event journal (package events)
//	EXECROOT/runtime                     the runtime's state
//	EXECROOT/netns/<id>                  a container's network namespace
//
// # Concurrency
//
// Any number of hull processes work on the same root at once. A name is
// claimed by creating its symlink, which only one process can do. An
// operation that changes a container holds an flock on the container's
// directory for that operation only, never while a container runs, so no
// process waits on another longer than one step.
package engine
