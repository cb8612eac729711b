package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hullrt/hull/internal/errdefs"
)

// A name is held by a container with a record; one whose create was killed
// before the record was saved (a directory with only its lock file) holds
// nothing, and the name is taken over.
func TestClaimNameTakesOverFromRecordlessContainer(t *testing.T) {
	e := &Engine{root: t.TempDir()}
	if err := os.MkdirAll(filepath.Join(e.containersDir(), "names"), 0o700); err != nil {
		t.Fatal(err)
	}
	live, dead, next := newID(), newID(), newID()
	for _, id := range []string{live, dead} {
		if err := os.Mkdir(e.dir(id), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.save(&Container{ID: live, Name: "web"}); err != nil {
		t.Fatal(err)
	}
	if err := e.claimName("web", live); err != nil {
		t.Fatal(err)
	}
	if err := e.claimName("web", next); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("claiming a live container's name: %v, want a conflict", err)
	}
	if err := os.Symlink(dead, e.namePath("db")); err != nil {
		t.Fatal(err)
	}
	if err := e.claimName("db", next); err != nil {
		t.Fatalf("a name left by a killed create is still held: %v", err)
	}
	if got, _ := os.Readlink(e.namePath("db")); got != next {
		t.Errorf("name db points at %q, want %q", got, next)
	}
	if err := e.claimName("x", next); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("a one-letter name: %v, want invalid argument (Docker's rule)", err)
	}
}

// Prune's sweep removes a directory that never got a record once it is
// older than the grace period, and leaves containers with records alone.
func TestRemoveRecordless(t *testing.T) {
	e := &Engine{root: t.TempDir()}
	live, dead := newID(), newID()
	for _, id := range []string{live, dead} {
		if err := os.MkdirAll(e.dir(id), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.save(&Container{ID: live, Name: "web"}); err != nil {
		t.Fatal(err)
	}
	e.removeRecordless(context.Background(), time.Hour)
	if _, err := os.Stat(e.dir(dead)); err != nil {
		t.Fatalf("a fresh record-less directory (maybe a create under way) was removed: %v", err)
	}
	e.removeRecordless(context.Background(), 0)
	if _, err := os.Stat(e.dir(dead)); !os.IsNotExist(err) {
		t.Errorf("the record-less directory is still there: %v", err)
	}
	if _, err := os.Stat(e.dir(live)); err != nil {
		t.Errorf("a container with a record was removed: %v", err)
	}
}
