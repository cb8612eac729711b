package main

import (
	"fmt"
	"math/rand"
)

// filler writes the bytes of one chunk of a file. Fillers draw only from
// rng, so a file's bytes follow from the seed.
type filler func(rng *rand.Rand, p []byte)

// random is incompressible: media, archives, encrypted data.
func random(rng *rand.Rand, p []byte) { rng.Read(p) }

// binary looks like executables and shared libraries to gzip: 4 KiB blocks,
// half random, a third a short pattern repeated (tables, padding), the rest
// zeros. It compresses to a little over half.
func binary(rng *rand.Rand, p []byte) {
	for off := 0; off < len(p); off += 4096 {
		b := p[off:min(off+4096, len(p))]
		switch k := rng.Intn(6); {
		case k < 3:
			rng.Read(b)
		case k < 5:
			pat := make([]byte, 16+rng.Intn(48))
			rng.Read(pat)
			for i := range b {
				b[i] = pat[i%len(pat)]
			}
		default:
			clear(b)
		}
	}
}

// words is a vocabulary of made-up words that text and logs draw from,
// the common ones far more often than the rest, as in real text.
type words []string

func newWords(rng *rand.Rand, n int) words {
	w := make(words, n)
	for i := range w {
		b := make([]byte, 2+rng.Intn(9))
		for j := range b {
			b[j] = byte('a' + rng.Intn(26))
		}
		w[i] = string(b)
	}
	return w
}

func (w words) pick(rng *rand.Rand) string { return w[rng.Intn(rng.Intn(len(w))+1)] }

// text is prose-like lines of words: source code, docs, configuration.
// It compresses to about a third.
func (w words) text(rng *rand.Rand, p []byte) {
	out := make([]byte, 0, len(p)+256)
	for len(out) < len(p) {
		for n := 4 + rng.Intn(10); n > 0; n-- {
			out = append(out, w.pick(rng)...)
			out = append(out, ' ')
		}
		out[len(out)-1] = '\n'
	}
	copy(p, out)
}

// logs is timestamped log lines, repetitive enough to compress to a tenth
// or less.
func (w words) logs(rng *rand.Rand, p []byte) {
	levels := [...]string{"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"}
	out := make([]byte, 0, len(p)+256)
	for len(out) < len(p) {
		s := rng.Intn(86400)
		out = fmt.Appendf(out, "2024-01-01T%02d:%02d:%02d.%03dZ %s %s: ",
			s/3600, s/60%60, s%60, rng.Intn(1000), levels[rng.Intn(len(levels))], w[rng.Intn(16)])
		for n := 3 + rng.Intn(6); n > 0; n-- {
			out = append(out, w.pick(rng)...)
			out = append(out, ' ')
		}
		out = fmt.Appendf(out, "request_id=%08x\n", rng.Uint32())
	}
	copy(p, out)
}
