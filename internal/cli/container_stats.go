package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/engine"
)

// statsOptions are `hull stats`'s flags.
type statsOptions struct {
	all, noStream, noTrunc bool
	format                 string
}

// statsRow is one line of `hull stats`, with Docker's field names.
type statsRow struct {
	ID, Container, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs string
}

var statsHeaders = map[string]string{
	"ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %",
	"MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
}

// CPU % needs two readings: the interval between them, in a stream and
// before the one table --no-stream prints.
const (
	statsInterval    = time.Second
	noStreamInterval = 500 * time.Millisecond
)

// runStats is `hull stats`: CPU, memory, I/O and process counts of the
// running containers (or those named), refreshed every second until
// interrupted, or printed once with --no-stream.
func runStats(ctx context.Context, e *env, args []string) error {
	var o statsOptions
	fs := e.newFlags("stats")
	fs.Bool(&o.all, "a", "all", "Show all containers (default shows just running)")
	fs.Bool(&o.noStream, "", "no-stream", "Disable streaming stats and only pull the first result")
	fs.Bool(&o.noTrunc, "", "no-trunc", "Do not truncate output")
	fs.String(&o.format, "", "format", "Format output using a Go template")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	format := o.format
	switch format {
	case "":
		format = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"
	case "json":
		format = "{{json .}}"
	}
	prev, err := sampleAll(eng, o, pos)
	if err != nil {
		return err
	}
	interval := statsInterval
	if o.noStream {
		interval = noStreamInterval
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
		cur, err := sampleAll(eng, o, pos)
		if err != nil {
			return err
		}
		if !o.noStream && isTerminal(e.stdout) {
			fmt.Fprint(e.stdout, "\033[2J\033[H") // clear the screen, as docker stats does
		}
		if err := printStats(e, format, prev, cur, !o.noTrunc); err != nil || o.noStream {
			return err
		}
		prev = cur
	}
}

// sample is one reading of one container.
type sample struct {
	ref, id, name string
	stats         *cgroups.Stats
	at            time.Time
}

// sampleAll reads the containers named, or the running ones (all with -a).
func sampleAll(eng *engine.Engine, o statsOptions, refs []string) ([]sample, error) {
	listed := len(refs) == 0
	if listed {
		list, err := eng.List(engine.ListOptions{All: o.all})
		if err != nil {
			return nil, docker(err)
		}
		for _, s := range list {
			refs = append(refs, s.ID)
		}
	}
	var out []sample
	for _, ref := range refs {
		st, c, err := eng.Stats(ref)
		if err != nil {
			if listed {
				continue // removed since it was listed
			}
			return nil, docker(err)
		}
		out = append(out, sample{ref: ref, id: c.ID, name: c.Name, stats: st, at: time.Now()})
	}
	return out, nil
}

// printStats prints one table, CPU % from each container's two readings.
func printStats(e *env, format string, prev, cur []sample, trunc bool) error {
	t, err := newTable(e.stdout, format, statsHeaders)
	if err != nil {
		return err
	}
	before := map[string]sample{}
	for _, s := range prev {
		before[s.id] = s
	}
	for _, s := range cur {
		if err := t.row(newStatsRow(before[s.id], s, trunc)); err != nil {
			return err
		}
	}
	return t.flush()
}

func newStatsRow(prev, cur sample, trunc bool) statsRow {
	st := cur.stats
	r := statsRow{ID: cur.id, Container: cur.ref, Name: cur.name, NetIO: "0B / 0B",
		PIDs: fmt.Sprint(st.Pids.Current)}
	if trunc {
		r.ID = r.ID[:min(12, len(r.ID))]
	}
	cpu := 0.0
	if prev.stats != nil && cur.at.After(prev.at) && st.CPU.Usage.Total >= prev.stats.CPU.Usage.Total {
		used := float64(st.CPU.Usage.Total - prev.stats.CPU.Usage.Total)
		cpu = used / float64(cur.at.Sub(prev.at).Nanoseconds()) * 100
	}
	r.CPUPerc = fmt.Sprintf("%.2f%%", cpu)
	usage, limit := memoryUsage(st)
	pct := 0.0
	if limit > 0 {
		pct = float64(usage) / float64(limit) * 100
	}
	r.MemUsage = binarySize(usage) + " / " + binarySize(limit)
	r.MemPerc = fmt.Sprintf("%.2f%%", pct)
	read, write := blockIO(st)
	r.BlockIO = humanSize(int64(read)) + " / " + humanSize(int64(write))
	return r
}

// memoryUsage is Docker's MEM USAGE: the cgroup's usage without the page
// cache the kernel may drop (inactive file pages); the limit is the
// host's memory when the cgroup has none.
func memoryUsage(st *cgroups.Stats) (usage, limit uint64) {
	usage = st.Memory.Usage.Usage
	for _, key := range []string{"total_inactive_file", "inactive_file"} {
		if v, ok := st.Memory.Raw[key]; ok && v < usage {
			usage -= v
			break
		}
	}
	limit = st.Memory.Usage.Limit
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		if host := uint64(si.Totalram) * uint64(si.Unit); limit == 0 || limit > host {
			limit = host
		}
	}
	if usage == 0 && st.Pids.Current == 0 {
		limit = 0 // a stopped container: Docker prints 0B / 0B
	}
	return usage, limit
}

// blockIO sums the bytes read and written over every device.
func blockIO(st *cgroups.Stats) (read, write uint64) {
	for _, b := range st.Blkio.IoServiceBytesRecursive {
		switch strings.ToLower(b.Op) {
		case "read":
			read += b.Value
		case "write":
			write += b.Value
		}
	}
	return read, write
}

// binarySize is Docker's memory size format (go-units BytesSize): four
// significant digits and binary units ("1.5MiB").
func binarySize(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return fmt.Sprintf("%.4g%s", f, units[i])
}
