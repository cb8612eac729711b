package snapshot

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkContainerRootfs measures what starting and removing a container
// costs the snapshotter: Prepare on a 5-layer image, Mount, Unmount, Remove.
func BenchmarkContainerRootfs(b *testing.B) {
	for _, d := range drivers {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			s := newStore(b, d)
			parent := ""
			for i := 0; i < 5; i++ {
				name := fmt.Sprint("layer", i)
				layer(b, s, name, parent, map[string]string{name: name, "etc/file": name})
				parent = name
			}
			target := b.TempDir()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m, err := s.Prepare(ctx, "ctr", parent)
				if err != nil {
					b.Fatal(err)
				}
				if err := Mount(m, target); err != nil {
					b.Fatal(err)
				}
				if err := Unmount(target); err != nil {
					b.Fatal(err)
				}
				if err := s.Remove(ctx, "ctr"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
