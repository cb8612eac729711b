package seccomp

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

func TestCache(t *testing.T) {
	c := Cache{Dir: filepath.Join(t.TempDir(), "seccomp")}
	p := DefaultProfile()
	f1, err := c.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(c.Dir)
	if len(entries) != 1 {
		t.Fatalf("cache holds %d entries after one compile", len(entries))
	}
	entry := filepath.Join(c.Dir, entries[0].Name())

	// A damaged entry is compiled again and replaced.
	if err := os.WriteFile(entry, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	f2, err := c.Compile(p)
	if err != nil || !slices.Equal(f1.program, f2.program) {
		t.Fatalf("after damage: %v, same program %v", err, err == nil && slices.Equal(f1.program, f2.program))
	}
	if b, _ := os.ReadFile(entry); string(b) == "garbage" {
		t.Error("the damaged entry was not replaced")
	}

	// The listener does not change the program; a rule does.
	q := *p
	q.ListenerPath = "/run/agent.sock"
	if k1, _ := cacheKey(p); k1 != mustKey(t, &q) {
		t.Error("listenerPath changes the cache key")
	}
	q.Syscalls = append(slices.Clone(q.Syscalls), specs.LinuxSyscall{Names: []string{"mount"}, Action: specs.ActAllow})
	if k1, _ := cacheKey(p); k1 == mustKey(t, &q) {
		t.Error("a new rule does not change the cache key")
	}
}

func TestCacheUnwritableStillCompiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := (Cache{Dir: file}).Compile(DefaultProfile()); err != nil {
		t.Fatalf("a cache that cannot be written must not fail the compile: %v", err)
	}
}

func mustKey(t *testing.T, s *specs.LinuxSeccomp) string {
	t.Helper()
	k, err := cacheKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
