package volume

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

// helperCmd runs the test binary as another hull process.
func helperCmd(s *Store, mode string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HULL_VOLUME_HELPER="+mode, "HELPER_ROOT="+s.Root())
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	return cmd
}

// Several processes take and drop a volume while this one tries to remove
// it. Remove may only succeed while nobody holds the volume: each helper
// checks, while holding it, that it is whole and writable, and fails if
// it vanished under it. After the removal every helper's next Acquire
// must find the volume gone.
func TestAcquireRaceRemove(t *testing.T) {
	s := newStore(t)
	mustCreate(t, s, CreateOptions{Name: "shared"})
	const helpers, turns = 4, 300
	var cmds []*exec.Cmd
	var outs []*bufio.Scanner
	for i := range helpers {
		cmd := helperCmd(s, "acquire", "HELPER_NAME=shared", fmt.Sprintf("HELPER_ID=c%d", i), fmt.Sprint("HELPER_N=", turns))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, bufio.NewScanner(stdout))
	}
	for i, out := range outs {
		if !out.Scan() || out.Text() != "ready" {
			t.Fatalf("helper %d did not start: %q", i, out.Text())
		}
	}
	conflicts := 0
	for {
		err := s.Remove("shared")
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "volume is in use - [c") {
			t.Fatalf("remove: %v", err)
		}
		conflicts++
	}
	gone := 0
	for i, cmd := range cmds {
		outs[i].Scan()
		last := outs[i].Text()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper %d: %v (last said %q)", i, err, last)
		}
		if strings.HasPrefix(last, "gone") {
			gone++
		}
	}
	t.Logf("%d removes refused while in use; %d of %d helpers saw the volume go", conflicts, gone, helpers)
	if _, err := s.Get("shared"); !errdefs.IsNotFound(err) {
		t.Errorf("after remove: %v", err)
	}
}

// Processes creating one name at once all get the same volume, and one
// of them made it.
func TestCreateRace(t *testing.T) {
	s := newStore(t)
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i := range 6 {
		cmd := helperCmd(s, "create", "HELPER_NAME=same", fmt.Sprintf("HELPER_ID=p%d", i))
		out := &bytes.Buffer{}
		cmd.Stdout = out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper %d: %v", i, err)
		}
		if outs[i].String() != "same\n" {
			t.Errorf("helper %d printed %q", i, outs[i])
		}
	}
	v, err := s.Get("same")
	if err != nil || !strings.HasPrefix(v.Labels["by"], "p") {
		t.Fatalf("%+v %v", v, err)
	}
	entries, _ := os.ReadDir(s.Root())
	if len(entries) != 2 { // .lock and the volume
		t.Errorf("root holds %d entries", len(entries))
	}
}

// A process killed with SIGKILL while creating volumes leaves only whole
// volumes visible; whatever it left half-made is cleaned by the next
// Create and Prune.
func TestKilledCreate(t *testing.T) {
	s := newStore(t)
	cmd := helperCmd(s, "create-many")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewScanner(stdout)
	for range 20 {
		if !r.Scan() {
			t.Fatal("helper stopped early")
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	// And what a killed Remove or an older crash may leave.
	if err := os.MkdirAll(filepath.Join(s.Root(), ".trash-dead", "_data", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(s.Root(), "nojson", "_data"), 0o755); err != nil {
		t.Fatal(err)
	}
	vs, err := s.List(ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) < 20 {
		t.Errorf("%d volumes listed, 20 were reported made", len(vs))
	}
	for _, v := range vs {
		for _, p := range []string{"_data", "refs", "volume.json"} {
			if _, err := os.Stat(filepath.Join(s.Root(), v.Name, p)); err != nil {
				t.Errorf("listed volume %s is not whole: %v", v.Name, err)
			}
		}
		if v.Name == "nojson" {
			t.Error("a directory without volume.json is listed")
		}
	}
	mustCreate(t, s, CreateOptions{Name: "after"})
	if _, err := s.Prune(t.Context(), PruneOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(s.Root())
	for _, e := range entries {
		if e.Name() != ".lock" {
			t.Errorf("left after prune: %s", e.Name())
		}
	}
}
