package content

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

// The test binary doubles as a second hull process: run with
// HULL_CONTENT_HELPER set, it writes one blob into a store and exits
// instead of running the tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("HULL_CONTENT_HELPER"); mode != "" {
		if err := helper(mode); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helper writes blobData(seed, size) as ref. With mode "slow" it prints
// "ready" after the first chunk and then writes slowly, to be killed; with
// mode "kill" it prints "ready" just before it starts to write.
func helper(mode string) error {
	seed, _ := strconv.ParseUint(os.Getenv("HELPER_SEED"), 10, 64)
	size, _ := strconv.Atoi(os.Getenv("HELPER_SIZE"))
	s, err := NewLocal(os.Getenv("HELPER_ROOT"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	data := blobData(seed, size)
	if mode == "kill" {
		fmt.Println("ready") // the data is made; the write starts now
	}
	err = write(ctx, s, os.Getenv("HELPER_REF"), data, func(int) {
		if mode == "slow" {
			fmt.Println("ready")
			time.Sleep(time.Millisecond)
		}
	})
	if errors.Is(err, errdefs.ErrAlreadyExists) {
		fmt.Println("exists")
		return nil
	}
	return err
}

// write is a pull as the engine will do it: skip a known blob, resume an
// ingest, write in chunks, commit.
func write(ctx context.Context, s *Local, ref string, data []byte, afterChunk func(off int)) error {
	dgst := digest.FromBytes(data)
	w, err := s.Ingest(ctx, ref, dgst, int64(len(data)))
	if err != nil {
		return err
	}
	defer w.Close()
	for off := int(w.Offset()); off < len(data); off += 64 << 10 {
		if _, err := w.Write(data[off:min(off+64<<10, len(data))]); err != nil {
			return err
		}
		afterChunk(off)
	}
	return w.Commit(nil)
}

func helperCmd(s *Local, mode, ref string, seed uint64, size int) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "HULL_CONTENT_HELPER="+mode, "HELPER_ROOT="+s.Root(), "HELPER_REF="+ref,
		"HELPER_SEED="+strconv.FormatUint(seed, 10), "HELPER_SIZE="+strconv.Itoa(size))
	cmd.Stderr = os.Stderr
	return cmd
}

// assertOnlyGoodBlobs fails unless every blob verifies and ingest/ is empty.
func assertOnlyGoodBlobs(t *testing.T, s *Local) {
	t.Helper()
	ctx := context.Background()
	err := s.Walk(ctx, func(i Info) error { return s.Verify(ctx, i.Digest) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentWritersOfOneBlob(t *testing.T) {
	const size = 8 << 20
	for _, sameRef := range []bool{true, false} {
		t.Run(fmt.Sprintf("sameRef=%v", sameRef), func(t *testing.T) {
			s := newStore(t)
			ref := func(i int) string {
				if sameRef {
					return "pull-blob"
				}
				return fmt.Sprint("pull-blob-", i)
			}
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range 2 { // two processes
				cmd := helperCmd(s, "fast", ref(i), 7, size)
				wg.Go(func() { errs[i] = cmd.Run() })
			}
			data := blobData(7, size)
			for i := 2; i < 4; i++ { // two goroutines
				wg.Go(func() {
					errs[i] = write(context.Background(), s, ref(i), data, func(int) {})
					if errors.Is(errs[i], errdefs.ErrAlreadyExists) {
						errs[i] = nil
					}
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("writer %d: %v", i, err)
				}
			}
			assertBlobCount(t, s, 1)
			assertNoIngests(t, s)
			if !bytes.Equal(get(t, s, digest.FromBytes(data)), data) {
				t.Fatal("the blob differs")
			}
		})
	}
}

func TestKilledWriterLeavesNoBlob(t *testing.T) {
	const size = 4 << 20
	s := newStore(t)
	data := blobData(9, size)
	dgst := digest.FromBytes(data)
	for round := range 5 {
		cmd := helperCmd(s, "slow", "pull", 9, size)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		assertBlobCount(t, s, 0)
		ins, _ := s.ListIngests(context.Background())
		t.Logf("round %d: killed at %+v", round, ins)
	}
	// The lock died with its process: a new writer resumes at once.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	w, err := s.Ingest(ctx, "pull", dgst, size)
	if err != nil {
		t.Fatal(err)
	}
	if w.Offset() == 0 {
		t.Error("the killed writers' data was not resumed")
	}
	w.Write(data[w.Offset():])
	if err := w.Commit(nil); err != nil {
		t.Fatal(err)
	}
	assertBlobCount(t, s, 1)
	assertNoIngests(t, s)
	assertOnlyGoodBlobs(t, s)
}

func TestKilledWriterIngestIsCleaned(t *testing.T) {
	s := newStore(t)
	cmd := helperCmd(s, "slow", "abandoned", 1, 1<<20)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	bufio.NewReader(out).ReadString('\n')
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if n, err := s.CleanIngests(context.Background(), 0); err != nil || n != 1 {
		t.Fatalf("CleanIngests = %d, %v", n, err)
	}
	assertNoIngests(t, s)
	assertBlobCount(t, s, 0)
}

// TestKillAnywhere kills a writer at random moments, some in the middle of
// Commit: blobs/ must hold nothing or the whole, correct blob.
func TestKillAnywhere(t *testing.T) {
	const size = 2 << 20
	s := newStore(t)
	ctx := context.Background()
	for round := range 10 {
		cmd := helperCmd(s, "kill", fmt.Sprint("pull-", round), 11, size)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		bufio.NewReader(out).ReadString('\n')
		time.Sleep(time.Duration(rand.IntN(30000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		var n int
		err := s.Walk(ctx, func(i Info) error { n++; return s.Verify(ctx, i.Digest) })
		if err != nil || n > 1 {
			t.Fatalf("round %d: %d blobs, %v", round, n, err)
		}
		t.Logf("round %d: %d blob(s)", round, n)
		if n == 1 {
			s.Delete(ctx, digest.FromBytes(blobData(11, size)))
		}
	}
	if _, err := s.CleanIngests(ctx, 0); err != nil {
		t.Fatal(err)
	}
	assertNoIngests(t, s)
}
