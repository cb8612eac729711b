package cgroups

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func (m *manager) setBlockIO(b *specs.LinuxBlockIO) error {
	if b == nil || (!setValue(b.Weight) && !setValue(b.LeafWeight) && len(b.WeightDevice) == 0 &&
		len(b.ThrottleReadBpsDevice) == 0 && len(b.ThrottleWriteBpsDevice) == 0 &&
		len(b.ThrottleReadIOPSDevice) == 0 && len(b.ThrottleWriteIOPSDevice) == 0) {
		return nil
	}
	d, err := m.controllerDir("blkio", "io")
	if err != nil {
		return err
	}
	if d.h.v2 {
		return setIOV2(d.path, b)
	}
	return setBlkioV1(d.path, b)
}

func devKey(d specs.LinuxBlockIODevice) string {
	return fmt.Sprintf("%d:%d", d.Major, d.Minor)
}

// setBlkioV1 writes the blkio files. Weights belong to the I/O scheduler:
// CFQ's blkio.weight on old kernels, BFQ's blkio.bfq.weight on current ones
// (same 10-1000 scale); whichever the kernel has is used.
func setBlkioV1(dir string, b *specs.LinuxBlockIO) error {
	weight, weightDevice := "blkio.weight", "blkio.weight_device"
	if !fileExists(dir, weight) && fileExists(dir, "blkio.bfq.weight") {
		weight, weightDevice = "blkio.bfq.weight", "blkio.bfq.weight_device"
	}
	var w []fileValue
	if setValue(b.Weight) {
		w = append(w, fileValue{weight, strconv.FormatUint(uint64(*b.Weight), 10)})
	}
	if setValue(b.LeafWeight) {
		w = append(w, fileValue{"blkio.leaf_weight", strconv.FormatUint(uint64(*b.LeafWeight), 10)})
	}
	for _, wd := range b.WeightDevice {
		if wd.Weight != nil {
			w = append(w, fileValue{weightDevice, devKey(wd.LinuxBlockIODevice) + " " + strconv.FormatUint(uint64(*wd.Weight), 10)})
		}
		if wd.LeafWeight != nil {
			w = append(w, fileValue{"blkio.leaf_weight_device", devKey(wd.LinuxBlockIODevice) + " " + strconv.FormatUint(uint64(*wd.LeafWeight), 10)})
		}
	}
	for _, t := range []struct {
		file    string
		devices []specs.LinuxThrottleDevice
	}{
		{"blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice},
		{"blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
		{"blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice},
		{"blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice},
	} {
		for _, td := range t.devices {
			w = append(w, fileValue{t.file, devKey(td.LinuxBlockIODevice) + " " + strconv.FormatUint(td.Rate, 10)})
		}
	}
	return writeFiles(dir, w)
}

// setIOV2 writes the io controller's files. A weight goes to io.bfq.weight
// unchanged when BFQ is there, else to io.weight, whose 1-10000 scale the
// v1 10-1000 weight is mapped onto linearly (as runc and crun do).
func setIOV2(dir string, b *specs.LinuxBlockIO) error {
	if setValue(b.LeafWeight) {
		return unsupported("blockIO leafWeight", 2)
	}
	bfq := fileExists(dir, "io.bfq.weight")
	weightLine := func(prefix string, w uint16) fileValue {
		if bfq {
			return fileValue{"io.bfq.weight", prefix + strconv.FormatUint(uint64(w), 10)}
		}
		return fileValue{"io.weight", prefix + strconv.FormatUint(blkioToIOWeight(w), 10)}
	}
	var w []fileValue
	if setValue(b.Weight) {
		w = append(w, weightLine("default ", *b.Weight))
	}
	for _, wd := range b.WeightDevice {
		if wd.LeafWeight != nil {
			return unsupported("blockIO leafWeight", 2)
		}
		if wd.Weight != nil {
			w = append(w, weightLine(devKey(wd.LinuxBlockIODevice)+" ", *wd.Weight))
		}
	}
	for _, t := range []struct {
		key     string
		devices []specs.LinuxThrottleDevice
	}{
		{"rbps", b.ThrottleReadBpsDevice},
		{"wbps", b.ThrottleWriteBpsDevice},
		{"riops", b.ThrottleReadIOPSDevice},
		{"wiops", b.ThrottleWriteIOPSDevice},
	} {
		for _, td := range t.devices {
			rate := "max" // 0 removes the limit, as in v1
			if td.Rate != 0 {
				rate = strconv.FormatUint(td.Rate, 10)
			}
			w = append(w, fileValue{"io.max", devKey(td.LinuxBlockIODevice) + " " + t.key + "=" + rate})
		}
	}
	return writeFiles(dir, w)
}

func blkioToIOWeight(w uint16) uint64 {
	v := uint64(min(max(w, 10), 1000))
	return 1 + (v-10)*9999/990
}
