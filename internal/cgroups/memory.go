package cgroups

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

func (m *manager) setMemory(mem *specs.LinuxMemory, update bool) error {
	if mem == nil || (!setValue(mem.Limit) && !setValue(mem.Swap) && !setValue(mem.Reservation) &&
		!setValue(mem.Kernel) && !setValue(mem.KernelTCP) && mem.Swappiness == nil &&
		mem.DisableOOMKiller == nil && mem.UseHierarchy == nil) {
		return nil
	}
	d, err := m.controllerDir("memory", "memory")
	if err != nil {
		return err
	}
	if d.h.v2 {
		return setMemoryV2(d.path, mem, update)
	}
	return setMemoryV1(d.path, mem, update)
}

func value[T int64 | uint64](p *T) T {
	if p == nil {
		return 0
	}
	return *p
}

func setMemoryV1(dir string, mem *specs.LinuxMemory, update bool) error {
	limit := value(mem.Limit)
	if update && isTrue(mem.CheckBeforeUpdate) {
		if err := checkUsage(dir, "memory.usage_in_bytes", limit); err != nil {
			return err
		}
	}
	if err := setLimitAndSwapV1(dir, limit, value(mem.Swap)); err != nil {
		return err
	}
	var w []fileValue
	if setValue(mem.Reservation) {
		w = append(w, fileValue{"memory.soft_limit_in_bytes", formatLimit(*mem.Reservation, false)})
	}
	// Kernel-memory limits are deprecated (the runtime spec lets runtimes
	// ignore them) and newer kernels drop the files: written only where
	// they exist.
	if setValue(mem.Kernel) && fileExists(dir, "memory.kmem.limit_in_bytes") {
		w = append(w, fileValue{"memory.kmem.limit_in_bytes", formatLimit(*mem.Kernel, false)})
	}
	if setValue(mem.KernelTCP) && fileExists(dir, "memory.kmem.tcp.limit_in_bytes") {
		w = append(w, fileValue{"memory.kmem.tcp.limit_in_bytes", formatLimit(*mem.KernelTCP, false)})
	}
	if mem.Swappiness != nil {
		w = append(w, fileValue{"memory.swappiness", strconv.FormatUint(*mem.Swappiness, 10)})
	}
	if mem.DisableOOMKiller != nil && (update || *mem.DisableOOMKiller) {
		w = append(w, fileValue{"memory.oom_control", boolValue(*mem.DisableOOMKiller)})
	}
	if mem.UseHierarchy != nil {
		w = append(w, fileValue{"memory.use_hierarchy", boolValue(*mem.UseHierarchy)})
	}
	return writeFiles(dir, w)
}

func boolValue(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// setLimitAndSwapV1 writes memory.limit_in_bytes and the memory+swap
// memory.memsw.limit_in_bytes (OCI's swap is memory+swap, as in v1). The
// kernel keeps limit <= memsw after every single write, so the order
// depends on the values: when the new limit fits under the current memsw,
// the limit goes first (lowering); otherwise memsw goes first (raising).
func setLimitAndSwapV1(dir string, limit, swap int64) error {
	const memsw = "memory.memsw.limit_in_bytes"
	if limit < 0 && swap == 0 {
		swap = -1 // unlimited memory means unlimited swap too, as runc does
	}
	if swap != 0 && !fileExists(dir, memsw) {
		if swap > 0 {
			return fmt.Errorf("%w; swap accounting is off (boot with swapaccount=1)",
				newFileError("setting", dir, memsw, formatLimit(swap, false), unix.ENOENT))
		}
		swap = 0 // no swap accounting: swap is unlimited already
	}
	lim := fileValue{"memory.limit_in_bytes", formatLimit(limit, false)}
	sw := fileValue{memsw, formatLimit(swap, false)}
	switch {
	case limit == 0 && swap == 0:
		return nil
	case swap == 0:
		return writeFile(dir, lim.file, lim.value)
	case limit == 0:
		return writeFile(dir, sw.file, sw.value)
	case swap > 0 && limit < 0:
		return fmt.Errorf("memory+swap limit %d cannot go with unlimited memory: %w", swap, errdefs.ErrInvalidArgument)
	case swap > 0 && swap < limit:
		return fmt.Errorf("memory+swap limit %d is below the memory limit %d: %w", swap, limit, errdefs.ErrInvalidArgument)
	}
	current, err := readUint(dir, memsw)
	if err != nil {
		return err
	}
	if limit > 0 && uint64(limit) <= current {
		return writeFiles(dir, []fileValue{lim, sw})
	}
	return writeFiles(dir, []fileValue{sw, lim})
}

// checkUsage implements checkBeforeUpdate: a new limit below what the
// cgroup uses now is refused rather than forcing reclaim or an OOM kill.
func checkUsage(dir, file string, limit int64) error {
	if limit <= 0 {
		return nil
	}
	usage, err := readUint(dir, file)
	if err != nil {
		return err
	}
	if usage > uint64(limit) {
		return fmt.Errorf("memory limit %d is below the current usage %d: %w", limit, usage, errdefs.ErrConflict)
	}
	return nil
}

func setMemoryV2(dir string, mem *specs.LinuxMemory, update bool) error {
	switch {
	case mem.Swappiness != nil:
		return unsupported("memory swappiness", 2)
	case isTrue(mem.DisableOOMKiller):
		return unsupported("disabling the OOM killer", 2)
	case mem.UseHierarchy != nil && !*mem.UseHierarchy:
		return unsupported("non-hierarchical memory accounting", 2)
	}
	// Kernel and kernelTCP: v2 has no separate kernel-memory limit (kernel
	// memory counts against memory.max), and the spec lets runtimes ignore
	// them.
	limit := value(mem.Limit)
	if update && isTrue(mem.CheckBeforeUpdate) {
		if err := checkUsage(dir, "memory.current", limit); err != nil {
			return err
		}
	}
	var w []fileValue
	if limit != 0 {
		w = append(w, fileValue{"memory.max", formatLimit(limit, true)})
	}
	swap, err := swapMaxV2(limit, value(mem.Swap))
	if err != nil {
		return err
	}
	// Without swap accounting there is no memory.swap.max and swap is
	// unlimited already.
	if swap != "" && (swap != "max" || fileExists(dir, "memory.swap.max")) {
		w = append(w, fileValue{"memory.swap.max", swap})
	}
	if setValue(mem.Reservation) {
		w = append(w, fileValue{"memory.low", formatLimit(*mem.Reservation, true)})
	}
	return writeFiles(dir, w)
}

// swapMaxV2 converts OCI's memory+swap limit into memory.swap.max, which
// counts swap alone. "" means nothing to write.
func swapMaxV2(limit, swap int64) (string, error) {
	switch {
	case swap == 0 && limit < 0:
		return "max", nil
	case swap == 0:
		return "", nil
	case swap < 0:
		return "max", nil
	case limit == 0:
		return "", fmt.Errorf("a memory+swap limit needs a memory limit on cgroup v2: %w", errdefs.ErrInvalidArgument)
	case limit < 0:
		return "", fmt.Errorf("memory+swap limit %d cannot go with unlimited memory: %w", swap, errdefs.ErrInvalidArgument)
	case swap < limit:
		return "", fmt.Errorf("memory+swap limit %d is below the memory limit %d: %w", swap, limit, errdefs.ErrInvalidArgument)
	}
	return strconv.FormatInt(swap-limit, 10), nil
}
