package seccomp

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// What a container start pays for Docker's default profile (x86_64, x86 and
// x32 on amd64), step by step.

// BenchmarkCompileDefaultProfile: libseccomp building the program, what a
// start pays when no cache has it.
func BenchmarkCompileDefaultProfile(b *testing.B) {
	p := DefaultProfile()
	for b.Loop() {
		if _, err := Compile(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheHit: Validate, the cache key, reading and decoding the
// entry; what a start pays when the profile was compiled before.
func BenchmarkCacheHit(b *testing.B) {
	c := Cache{Dir: b.TempDir()}
	p := DefaultProfile()
	if _, err := c.Compile(p); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Compile(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshal: the init decoding a filter the runtime sent it.
func BenchmarkUnmarshal(b *testing.B) {
	f, err := Compile(DefaultProfile())
	if err != nil {
		b.Fatal(err)
	}
	enc, _ := f.MarshalBinary()
	for b.Loop() {
		var g Filter
		if err := g.UnmarshalBinary(enc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad: the seccomp(2) call in the init. Every load happens on a
// fresh thread that then exits (a goroutine that ends locked takes its
// thread with it), since filters pile up on a thread and cannot be removed.
// ns/load counts the system call alone; ns/op adds making the thread.
func BenchmarkLoad(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root (CAP_SYS_ADMIN)")
	}
	f, err := Compile(DefaultProfile())
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for b.Loop() {
		done := make(chan error)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			start := time.Now()
			_, err := f.Load()
			total += time.Since(start)
			done <- err
		}()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/load")
	b.ReportMetric(float64(f.Len()), "instructions")
}
