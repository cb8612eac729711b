package spec

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// binaryUnits are the multipliers of Docker's size suffixes: memory sizes
// are binary whatever the case or spelling (k, K, kb, KiB all mean 1024).
var binaryUnits = map[byte]float64{
	'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30, 't': 1 << 40, 'p': 1 << 50,
}

// ParseBytes reads a memory size as --memory, --shm-size and tmpfs-size take
// it: a number (fractions allowed) with an optional suffix b, k, m, g, t or
// p, which may be followed by "b" or "ib" and may be separated by one
// space; case does not matter and every unit is binary ("512m" is
// 536870912). Negative sizes are refused, as Docker refuses them.
func ParseBytes(s string) (int64, error) {
	sep := strings.LastIndexAny(s, "0123456789. ")
	if sep < 0 {
		return 0, invalid("invalid size: '%s'", s)
	}
	num, suffix := s[:sep+1], s[sep+1:]
	if s[sep] == ' ' {
		num = s[:sep]
	}
	size, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, invalid("%v", err)
	}
	if size < 0 || math.IsNaN(size) || math.IsInf(size, 0) {
		return 0, invalid("invalid size: '%s'", s)
	}
	mul, ok := unitMultiplier(strings.ToLower(suffix))
	if !ok {
		return 0, invalid("invalid suffix: '%s'", strings.ToLower(suffix))
	}
	size *= mul
	if size >= math.MaxInt64 {
		return 0, invalid("invalid size: '%s'", s)
	}
	return int64(size), nil
}

// unitMultiplier returns what a lower-case suffix multiplies by: "", "b",
// or a unit letter alone, with "b" or with "ib".
func unitMultiplier(sfx string) (float64, bool) {
	switch {
	case sfx == "" || sfx == "b":
		return 1, true
	case len(sfx) > 3:
		return 0, false
	}
	mul, ok := binaryUnits[sfx[0]]
	if !ok || len(sfx) == 2 && sfx[1] != 'b' || len(sfx) == 3 && sfx[1:] != "ib" {
		return 0, false
	}
	return mul, true
}

// ParseMemorySwap reads --memory-swap: a size as ParseBytes reads it, or
// "-1" for unlimited swap.
func ParseMemorySwap(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	return ParseBytes(s)
}

// ParseCPUs reads --cpus ("1.5", or a fraction such as "3/2") into nano
// CPUs, the unit of Docker's NanoCPUs: 1.5 CPUs is 1500000000. A value
// finer than a billionth of a CPU is refused rather than rounded.
func ParseCPUs(s string) (int64, error) {
	cpus, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, invalid("failed to parse %v as a rational number", s)
	}
	nano := cpus.Mul(cpus, big.NewRat(1e9, 1))
	if !nano.IsInt() {
		return 0, invalid("value is too precise")
	}
	if !nano.Num().IsInt64() {
		return 0, invalid("value is too large: %s", s)
	}
	return nano.Num().Int64(), nil
}
