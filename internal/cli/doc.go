// Package cli is the hull command line: it parses Docker's flags into an
// options struct per command, calls the image service, the registry client
// or the archive code, and prints what docker prints. It holds no engine
// logic of its own, so the same calls can later sit behind `hull serve`.
//
// One file per command group (images.go, pull.go, save.go …). Every error
// leaves as one line, "hull: message", on stderr with exit status 125, the
// status Docker uses for an engine error; --help exits 0.
package cli
