package network

import (
	"context"
	"net/netip"
	"testing"
)

// BenchmarkAttachDetach is one container's Attach and Release on a
// network whose host side stays up (the system's store), which is what
// `hull run --rm` pays on the default bridge.
func BenchmarkAttachDetach(b *testing.B) {
	needNetB(b)
	s := newBenchStore(b, true)
	if _, err := s.Create(CreateOptions{Name: "b-attach", Subnet: netip.MustParsePrefix("10.231.9.0/24")}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	id := "benchbenchbench0000000000000000000000000000000000000000000000000"[:64]
	for b.Loop() {
		if _, err := s.Connect("b-attach", Endpoint{ContainerID: id, ContainerName: "bench"}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Attach(ctx, id); err != nil {
			b.Fatal(err)
		}
		if err := s.Release(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}
