package monitor

import (
	"testing"
)

// BenchmarkRunTrue: Start with busybox true until WaitExit reports the
// exit: the monitor's part of `hull run busybox true`, runtime included.
func BenchmarkRunTrue(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := newConfig(b, "true")
		b.StartTimer()
		if _, err := Start(monitorBin, cfg, false); err != nil {
			b.Fatal(err)
		}
		if _, err := WaitExit(b.Context(), cfg.Dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunTrueAttached is BenchmarkRunTrue as `hull run` without -d
// does it: attached before the start, done at the exit frame.
func BenchmarkRunTrueAttached(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := newConfig(b, "true")
		b.StartTimer()
		a, err := Start(monitorBin, cfg, true)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.Stream(b.Context(), nil, nil, nil); err != nil {
			b.Fatal(err)
		}
		a.Close()
	}
}
