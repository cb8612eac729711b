package capabilities

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// BenchmarkApply measures New, DropBounding and Apply of Docker's default
// set with two ambient capabilities, as the init runs them. Each iteration
// gives up capabilities for good, so it runs on a fresh thread that then
// exits (a goroutine that ends locked takes its thread with it); ns/apply
// counts the three calls alone.
func BenchmarkApply(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	def := Default()
	amb := []string{"CAP_NET_BIND_SERVICE", "CAP_KILL"}
	c := &specs.LinuxCapabilities{Bounding: def, Effective: def, Permitted: def, Inheritable: amb, Ambient: amb}
	var total time.Duration
	for b.Loop() {
		done := make(chan error)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
			start := time.Now()
			s, _, err := New(c)
			if err == nil {
				err = s.DropBounding()
			}
			if err == nil {
				err = s.Apply()
			}
			total += time.Since(start)
			done <- err
		}()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/apply")
}
