// Command mklayout writes the image that bench/image-pull.sh pushes to a
// local registry and pulls back with hull and its peers: an OCI image
// layout of seven gzip layers, about 200 MiB unpacked, whose every byte
// follows from a seed. The same seed gives the same manifest digest on
// every run and machine (for one Go version: gzip output is not frozen
// across Go releases), so timings from different runs compare.
//
// The layers mix what real images carry, because each kind stresses a
// different part of an unpacker: many small files (metadata, syscalls per
// file), large random files (gzip decodes them fast, the disk is the
// limit), large compressible text (inflate is the limit), hardlinks,
// symlinks, and an update layer that overwrites, deletes and hides files of
// the base with whiteouts.
//
// usage: mklayout [-seed N] [-scale F] [-tag TAG] DIR
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	seed := flag.Int64("seed", 1, "seed of every byte of the image")
	scale := flag.Float64("scale", 1, "multiplies file counts and sizes (1 is about 200 MiB)")
	tag := flag.String("tag", "latest", "the tag index.json names the image by")
	flag.Parse()
	if flag.NArg() != 1 || *scale <= 0 {
		fmt.Fprintln(os.Stderr, "usage: mklayout [-seed N] [-scale F] [-tag TAG] DIR")
		os.Exit(2)
	}
	sum, err := writeLayout(flag.Arg(0), *tag, *seed, *scale)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mklayout: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s %d layers, %d bytes compressed, %d bytes of tar\n",
		sum.manifest, sum.layers, sum.compressed, sum.uncompressed)
}
