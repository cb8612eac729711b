package cgroups

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

// setHugetlb writes the hugepage limits. Where the kernel has reservation
// limits (the rsvd files) they are written too: the spec asks for
// reservation limits when supported, and limiting only faults would let a
// process reserve pages it is later killed for touching.
func (m *manager) setHugetlb(limits []specs.LinuxHugepageLimit) error {
	if len(limits) == 0 {
		return nil
	}
	d, err := m.controllerDir("hugetlb", "hugetlb")
	if err != nil {
		return err
	}
	limitFile, rsvdFile := "limit_in_bytes", "rsvd.limit_in_bytes"
	if d.h.v2 {
		limitFile, rsvdFile = "max", "rsvd.max"
	}
	for _, l := range limits {
		if l.Pagesize == "" || strings.ContainsAny(l.Pagesize, "/. ") {
			return fmt.Errorf("hugepage size %q: %w", l.Pagesize, errdefs.ErrInvalidArgument)
		}
		prefix := "hugetlb." + l.Pagesize + "."
		v := strconv.FormatUint(l.Limit, 10)
		if err := writeFile(d.path, prefix+limitFile, v); err != nil {
			return err
		}
		if fileExists(d.path, prefix+rsvdFile) {
			if err := writeFile(d.path, prefix+rsvdFile, v); err != nil {
				return err
			}
		}
	}
	return nil
}
