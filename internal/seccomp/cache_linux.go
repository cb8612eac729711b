package seccomp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// Cache keeps compiled filters in a directory, so that the many containers
// that share a profile (every container Docker starts with its default one)
// pay for libseccomp only once: building Docker's profile for x86_64, x86
// and x32 takes libseccomp about 20 ms, far more than the rest of a
// container start; finding it in the cache takes about 60 µs.
//
// Entries are named by a digest of everything the program depends on: the
// configuration (less listenerPath and listenerMetadata, which only the
// runtime uses), the libseccomp version and API level, and the architecture.
// Put Dir on a tmpfs (under /run) so that a reboot, which may bring a new
// kernel and libseccomp, empties it; Dir must be writable only by the
// runtime's user, since whoever can write there chooses the containers'
// filters. Entries are a few kilobytes; nothing evicts them.
type Cache struct {
	Dir string
}

// Compile returns the filter for s from the cache, or compiles it and adds
// it. Failing to read or write the cache is not an error: the filter is
// compiled and returned all the same.
func (c Cache) Compile(s *specs.LinuxSeccomp) (*Filter, error) {
	if err := Validate(s); err != nil {
		return nil, err
	}
	key, err := cacheKey(s)
	if err != nil {
		return Compile(s)
	}
	path := filepath.Join(c.Dir, key)
	if b, err := os.ReadFile(path); err == nil {
		var f Filter
		if f.UnmarshalBinary(b) == nil {
			return &f, nil
		}
	}
	f, err := Compile(s)
	if err != nil {
		return nil, err
	}
	c.store(path, f)
	return f, nil
}

// store writes the entry under a temporary name and renames it into place,
// so that concurrent runtimes never read half an entry.
func (c Cache) store(path string, f *Filter) {
	b, _ := f.MarshalBinary()
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(c.Dir, ".tmp-")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), path) != nil {
		os.Remove(tmp.Name())
	}
}

// cacheFormat changes whenever what Compile produces for the same input
// changes.
const cacheFormat = "hull-seccomp-cache-1"

func cacheKey(s *specs.LinuxSeccomp) (string, error) {
	conf := *s
	conf.ListenerPath, conf.ListenerMetadata = "", ""
	j, err := json.Marshal(&conf)
	if err != nil {
		return "", err
	}
	major, minor, micro := libseccomp.GetLibraryVersion()
	api, _ := libseccomp.GetAPI()
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d.%d.%d\x00%d\x00%s\x00", cacheFormat, major, minor, micro, api, runtime.GOARCH)
	h.Write(j)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WarmUp computes the cache key of s and so asks libseccomp, once per
// process, for what the key holds (see runtime.WarmUp).
func WarmUp(s *specs.LinuxSeccomp) {
	cacheKey(s)
}
