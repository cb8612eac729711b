package cgroups

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

// setRdma writes rdma.max, one line per device; both versions share it.
func (m *manager) setRdma(limits map[string]specs.LinuxRdma) error {
	var devices []string
	for dev, l := range limits {
		if l.HcaHandles != nil || l.HcaObjects != nil {
			devices = append(devices, dev)
		}
	}
	if len(devices) == 0 {
		return nil
	}
	slices.Sort(devices)
	d, err := m.controllerDir("rdma", "rdma")
	if err != nil {
		return err
	}
	for _, dev := range devices {
		if strings.ContainsAny(dev, " \n=") || dev == "" {
			return fmt.Errorf("rdma device name %q: %w", dev, errdefs.ErrInvalidArgument)
		}
		l := limits[dev]
		line := dev
		if l.HcaHandles != nil {
			line += " hca_handle=" + strconv.FormatUint(uint64(*l.HcaHandles), 10)
		}
		if l.HcaObjects != nil {
			line += " hca_object=" + strconv.FormatUint(uint64(*l.HcaObjects), 10)
		}
		if err := writeFile(d.path, "rdma.max", line); err != nil {
			return err
		}
	}
	return nil
}
