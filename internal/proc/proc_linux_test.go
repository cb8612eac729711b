package proc

import (
	"os"
	"os/exec"
	"testing"
)

func TestStatAndAlive(t *testing.T) {
	st, start, ok := Stat(os.Getpid())
	if !ok || start == 0 || st != 'R' && st != 'S' {
		t.Fatalf("Stat(self) = %c, %d, %v", st, start, ok)
	}
	if !Alive(os.Getpid(), start) || Alive(os.Getpid(), start+1) {
		t.Error("Alive must hold for self at its start time only")
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_, cstart, _ := Stat(cmd.Process.Pid)
	cmd.Wait()
	if Alive(cmd.Process.Pid, cstart) {
		t.Error("a reaped child is still alive")
	}
	if _, _, ok := Stat(-1); ok {
		t.Error("Stat(-1) found a process")
	}
}
