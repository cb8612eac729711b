package images

import (
	"bytes"
	"testing"

	"github.com/hullrt/hull/internal/image"
)

// BenchmarkImportBusybox imports a ~2 MB busybox rootfs: decompress
// check, gzip, hash and commit of layer, config and manifest.
func BenchmarkImportBusybox(b *testing.B) {
	e := newEnv(b, "")
	tarball := busyboxTar(b, nil)
	b.SetBytes(int64(len(tarball)))
	for b.Loop() {
		if _, err := e.Import(ctx(b), bytes.NewReader(tarball), "busybox", ImportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnpackBusybox unpacks the busybox layer into a fresh snapshot
// each time (the previous one removed first).
func BenchmarkUnpackBusybox(b *testing.B) {
	e := newEnv(b, "")
	tarball := busyboxTar(b, nil)
	e.importTar(b, tarball, "busybox", ImportOptions{})
	b.SetBytes(int64(len(tarball)))
	for b.Loop() {
		res, err := e.Unpack(ctx(b), "busybox", image.DefaultPlatform())
		if err != nil || res.Applied != 1 {
			b.Fatal(res, err)
		}
		b.StopTimer()
		if err := e.snapshots.Remove(ctx(b), res.Chain[0]); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkPrepareRootfs is the per-container cost once the image is
// unpacked: resolve the image and prepare a writable snapshot.
func BenchmarkPrepareRootfs(b *testing.B) {
	e := newEnv(b, "")
	e.importTar(b, busyboxTar(b, nil), "busybox", ImportOptions{})
	if _, err := e.Unpack(ctx(b), "busybox", image.DefaultPlatform()); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		key := "ctr-" + string(rune('a'+i%26)) + randomID()
		if _, _, err := e.PrepareRootfs(ctx(b), "busybox", key); err != nil {
			b.Fatal(err)
		}
	}
}
