package engine

import (
	"fmt"

	"github.com/moby/moby/api/types/container"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

// Update changes a container's resource limits and restart policy. A running
// container's cgroup changes at once; the record keeps the new values so
// inspect shows them and the next start applies them. Zero fields in r leave
// the current value.
func (e *Engine) Update(ref string, u container.UpdateConfig) error {
	c, unlock, err := e.lockedContainer(ref)
	if err != nil {
		return err
	}
	defer unlock()
	res := &c.HostConfig.Resources
	mergeResources(res, &u.Resources)
	if res.Memory > 0 && res.MemorySwap > 0 && res.MemorySwap < res.Memory {
		return fmt.Errorf("minimum memoryswap limit should be larger than memory limit, see usage: %w", errdefs.ErrInvalidArgument)
	}
	if u.RestartPolicy.Name != "" {
		c.HostConfig.RestartPolicy = u.RestartPolicy
	}
	if err := validateHostConfig(c.HostConfig); err != nil {
		return err
	}
	if st := e.status(c); st.Running {
		rc, err := e.runtime.Load(c.ID)
		if err != nil {
			return err
		}
		if err := rc.Update(linuxResources(res)); err != nil {
			return fmt.Errorf("updating %s: %w", c.Name, err)
		}
	}
	if err := e.save(c); err != nil {
		return err
	}
	e.emit(c, "update", nil)
	return nil
}

// mergeResources copies the fields u sets into res.
func mergeResources(res, u *container.Resources) {
	if u.Memory != 0 {
		res.Memory = u.Memory
		if u.MemorySwap == 0 && res.MemorySwap > 0 && res.MemorySwap < u.Memory {
			res.MemorySwap = 2 * u.Memory
		}
	}
	setNonZero(&res.MemorySwap, u.MemorySwap)
	setNonZero(&res.MemoryReservation, u.MemoryReservation)
	setNonZero(&res.CPUShares, u.CPUShares)
	setNonZero(&res.CPUQuota, u.CPUQuota)
	setNonZero(&res.CPUPeriod, u.CPUPeriod)
	if u.NanoCPUs != 0 {
		res.NanoCPUs, res.CPUQuota, res.CPUPeriod = u.NanoCPUs, 0, 0
	}
	if u.CpusetCpus != "" {
		res.CpusetCpus = u.CpusetCpus
	}
	if u.CpusetMems != "" {
		res.CpusetMems = u.CpusetMems
	}
	if u.PidsLimit != nil {
		res.PidsLimit = u.PidsLimit
	}
	if u.BlkioWeight != 0 {
		res.BlkioWeight = u.BlkioWeight
	}
}

func setNonZero(dst *int64, v int64) {
	if v != 0 {
		*dst = v
	}
}

// linuxResources is the runtime's view of the resources a live update sets.
func linuxResources(r *container.Resources) *specs.LinuxResources {
	lr := &specs.LinuxResources{Memory: &specs.LinuxMemory{}, CPU: &specs.LinuxCPU{}}
	if r.Memory > 0 {
		lr.Memory.Limit = &r.Memory
		swap := r.MemorySwap
		if swap == 0 {
			swap = 2 * r.Memory
		}
		lr.Memory.Swap = &swap
	}
	if r.MemoryReservation > 0 {
		lr.Memory.Reservation = &r.MemoryReservation
	}
	if r.CPUShares > 0 {
		shares := uint64(r.CPUShares)
		lr.CPU.Shares = &shares
	}
	period, quota := uint64(r.CPUPeriod), r.CPUQuota
	if r.NanoCPUs > 0 {
		period = 100000
		quota = r.NanoCPUs * int64(period) / 1e9
	}
	if quota != 0 {
		if period == 0 {
			period = 100000
		}
		lr.CPU.Period, lr.CPU.Quota = &period, &quota
	}
	lr.CPU.Cpus, lr.CPU.Mems = r.CpusetCpus, r.CpusetMems
	if r.PidsLimit != nil {
		limit := *r.PidsLimit
		if limit <= 0 {
			limit = -1
		}
		lr.Pids = &specs.LinuxPids{Limit: &limit}
	}
	if r.BlkioWeight > 0 {
		w := r.BlkioWeight
		lr.BlockIO = &specs.LinuxBlockIO{Weight: &w}
	}
	return lr
}
