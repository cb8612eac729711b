package runtime

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A handle's refresh keeps the state it has while the file is the one it
// read or wrote, and reads it again once another process replaced it.
func TestRefreshRereadsOnlyAChangedState(t *testing.T) {
	r, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id := "c1"
	if err := os.MkdirAll(r.dir(id), 0o700); err != nil {
		t.Fatal(err)
	}
	st := &State{ID: id, Pid: 1, Config: &specs.Spec{Hostname: "first"}}
	if err := st.save(r.dir(id)); err != nil {
		t.Fatal(err)
	}
	mine, err := r.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	mine.state.Config.Hostname = "in memory" // what a reread would undo
	if err := mine.refresh(); err != nil {
		t.Fatal(err)
	}
	if got := mine.Config().Hostname; got != "in memory" {
		t.Errorf("refresh of an unchanged file read it again: hostname %q", got)
	}

	other, err := r.Load(id) // another process, say `hull update`
	if err != nil {
		t.Fatal(err)
	}
	other.state.Config.Hostname = "second"
	if err := other.save(); err != nil {
		t.Fatal(err)
	}
	if err := mine.refresh(); err != nil {
		t.Fatal(err)
	}
	if got := mine.Config().Hostname; got != "second" {
		t.Errorf("refresh after another process's save: hostname %q, want second", got)
	}
	if err := other.refresh(); err != nil || other.Config().Hostname != "second" {
		t.Errorf("the writer's own refresh: %q, %v", other.Config().Hostname, err)
	}
}
