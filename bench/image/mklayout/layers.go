package main

import (
	"fmt"
	"math/rand"
)

// generator makes the layers from one seed. Layers are built in order,
// and the update layer reads what the base layer recorded.
type generator struct {
	seed  int64
	scale float64
	words words
	base  []string // the base layer's regular files, in tar order
}

func newGenerator(seed int64, scale float64) *generator {
	return &generator{seed: seed, scale: scale, words: newWords(rand.New(rand.NewSource(seed)), 1024)}
}

// rngFor is layer i's own random source, so a change to one layer leaves
// the bytes of the others alone.
func (g *generator) rngFor(i int) *rand.Rand {
	return rand.New(rand.NewSource(g.seed*1000 + int64(i) + 1))
}

// count and size scale a file count or a file size, keeping at least one.
func (g *generator) count(n int) int     { return max(1, int(float64(n)*g.scale)) }
func (g *generator) size(n int64) int64  { return max(1, int64(float64(n)*g.scale)) }
func (g *generator) mib(n float64) int64 { return g.size(int64(n * (1 << 20))) }

// layer is one layer of the image: its history line and how to write it.
type layer struct {
	name  string
	build func(lw *layerWriter) error
}

func (g *generator) layers() []layer {
	return []layer{
		{"base: 8000 small text files in 320 directories, symlinks, hardlinks", g.buildBase},
		{"libs: 220 binary files of 64-384 KiB", g.buildLibs},
		{"data: 48 MiB of random bytes in four files", g.buildData},
		{"logs: 30 MiB of log text in three files", g.buildLogs},
		{"app: 8000 files of 64 B-4 KiB in a deep tree", g.buildApp},
		{"update: overwrites, deletes and an opaque directory over base, 12 MiB of new data", g.buildUpdate},
		{"config: a few small files", g.buildConfig},
	}
}

// basePath is the i-th base file: 25 to a directory, 200 to a top one.
func basePath(i int) string {
	return fmt.Sprintf("usr/share/bench/d%02d/s%d/f%05d.txt", i/200, i/25%8, i)
}

func (g *generator) buildBase(lw *layerWriter) error {
	for i := range g.count(8000) {
		name := basePath(i)
		if err := lw.file(name, 0o644, int64(256<<lw.rng.Intn(7)+lw.rng.Intn(256)), g.words.text); err != nil {
			return err
		}
		g.base = append(g.base, name)
		if i%40 == 0 {
			if err := lw.symlink(fmt.Sprintf("usr/share/bench/d%02d/s%d/l%05d", i/200, i/25%8, i), fmt.Sprintf("f%05d.txt", i)); err != nil {
				return err
			}
		}
		if i%80 == 0 {
			if err := lw.link(fmt.Sprintf("usr/share/bench/d%02d/s%d/h%05d.txt", i/200, i/25%8, i), name); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *generator) buildLibs(lw *layerWriter) error {
	for i := range g.count(220) {
		name := fmt.Sprintf("usr/lib/bench/lib%03d.so.1", i)
		if err := lw.file(name, 0o755, int64(64<<10+lw.rng.Intn(320<<10)), binary); err != nil {
			return err
		}
		if err := lw.symlink(fmt.Sprintf("usr/lib/bench/lib%03d.so", i), fmt.Sprintf("lib%03d.so.1", i)); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) buildData(lw *layerWriter) error {
	for i, mib := range []float64{32, 8, 4, 4} {
		if err := lw.file(fmt.Sprintf("var/lib/bench/blob%d.bin", i), 0o644, g.mib(mib), random); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) buildLogs(lw *layerWriter) error {
	for _, f := range []struct {
		name string
		mib  float64
	}{{"app.log", 16}, {"access.log", 8}, {"db.log", 6}} {
		if err := lw.file("var/log/bench/"+f.name, 0o640, g.mib(f.mib), g.words.logs); err != nil {
			return err
		}
	}
	return nil
}

// buildApp is a node_modules-like tree: 400 packages of 20 files each in
// four subdirectories, a package.json apiece, and a hardlink every 100
// files.
func (g *generator) buildApp(lw *layerWriter) error {
	for i := range g.count(8000) {
		pkg := fmt.Sprintf("opt/app/node_modules/pkg%03d", i/20)
		if i%20 == 0 {
			if err := lw.file(pkg+"/package.json", 0o644, int64(200+lw.rng.Intn(600)), g.words.text); err != nil {
				return err
			}
		}
		name := fmt.Sprintf("%s/lib/m%d/f%02d.js", pkg, i/5%4, i%20)
		if err := lw.file(name, 0o644, int64(64+lw.rng.Intn(4032)), g.words.text); err != nil {
			return err
		}
		if i%100 == 0 {
			if err := lw.link(fmt.Sprintf("opt/app/shared/h%04d.js", i), name); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildUpdate changes the base layer as an upgrade would: every 16th file
// rewritten, every 27th of the others deleted (a whiteout each), the last
// top directory replaced whole (an opaque whiteout and ten new files), and
// a new data file.
func (g *generator) buildUpdate(lw *layerWriter) error {
	last := fmt.Sprintf("usr/share/bench/d%02d", (len(g.base)-1)/200)
	for i, name := range g.base {
		if basePath(i)[:len(last)] == last {
			break
		}
		var err error
		switch {
		case i%16 == 0:
			err = lw.file(name, 0o644, int64(256<<lw.rng.Intn(6)), g.words.text)
		case i%27 == 0:
			err = lw.whiteout(name)
		}
		if err != nil {
			return err
		}
	}
	if err := lw.opaque(last); err != nil {
		return err
	}
	for i := range 10 {
		if err := lw.file(fmt.Sprintf("%s/new%d.txt", last, i), 0o644, int64(1024+lw.rng.Intn(4096)), g.words.text); err != nil {
			return err
		}
	}
	return lw.file("var/lib/bench/blob4.bin", 0o644, g.mib(12), random)
}

func (g *generator) buildConfig(lw *layerWriter) error {
	for i := range 20 {
		if err := lw.file(fmt.Sprintf("etc/bench/conf%02d", i), 0o644, int64(100+lw.rng.Intn(2000)), g.words.text); err != nil {
			return err
		}
	}
	if err := lw.file("etc/bench/big.conf", 0o644, g.mib(1), g.words.text); err != nil {
		return err
	}
	return lw.symlink("etc/bench/current", "conf00")
}
