package rootfs

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkRuncSpec measures Prepare, Pivot and Finalize for the
// configuration of `runc spec` on a busybox rootfs, as the container's init
// sees them (process creation excluded):
//
//	go test -run '^$' -bench RuncSpec -benchtime 50x ./internal/rootfs/
func BenchmarkRuncSpec(b *testing.B) {
	var prepare, pivot, finalize time.Duration
	for range b.N {
		var p, v, f time.Duration
		timing := runScenario(b, "runc-spec")
		if _, err := fmt.Sscanf(timing, "TIMING %d %d %d", &p, &v, &f); err != nil {
			b.Fatalf("timing %q: %v", timing, err)
		}
		prepare, pivot, finalize = prepare+p, pivot+v, finalize+f
	}
	n := float64(b.N)
	b.ReportMetric(float64(prepare.Microseconds())/n, "µs-prepare/op")
	b.ReportMetric(float64(pivot.Microseconds())/n, "µs-pivot/op")
	b.ReportMetric(float64(finalize.Microseconds())/n, "µs-finalize/op")
	b.ReportMetric(float64((prepare+pivot+finalize).Microseconds())/n, "µs-total/op")
}
