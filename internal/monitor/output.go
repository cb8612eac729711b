package monitor

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// drainTimeout bounds the wait for a container's output to end after its
// init exited. Processes outside the container's pid namespace (or sharing
// the host's) may hold the pipes open for ever; the exit is not held back
// for them.
const drainTimeout = 2 * time.Second

// startCopiers starts one goroutine per open output stream.
func (m *monitor) startCopiers() {
	for _, s := range m.streams {
		if !s.eof {
			m.copying.Add(1)
			go m.copyStream(s)
		}
	}
}

// copyStream copies one output stream to the log and to every attachment
// until the stream ends or a read deadline pauses it (see pauseCopiers).
// It never waits for an attachment; it does wait for the log, which is
// the one place output must reach.
func (m *monitor) copyStream(s *stream) {
	defer m.copying.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := s.f.Read(buf)
		if n > 0 {
			m.touch()
			if s.lw != nil {
				if _, err := s.lw.Write(buf[:n]); err != nil {
					m.warn(err.Error())
				}
			}
			m.broadcast(s.id, buf[:n])
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		if err != nil {
			// io.EOF from a pipe; EIO from a terminal whose last user
			// closed it.
			s.eof = true
			if s.lw != nil {
				if err := s.lw.Flush(); err != nil {
					m.warn(err.Error())
				}
			}
			return
		}
	}
}

// pauseCopiers stops every copier between two reads and waits for them:
// what they read is logged and sent, what they did not stays in the pipe.
func (m *monitor) pauseCopiers() {
	for _, s := range m.streams {
		if !s.eof {
			s.f.SetReadDeadline(time.Now())
		}
	}
	m.copying.Wait()
	for _, s := range m.streams {
		if !s.eof {
			s.f.SetReadDeadline(time.Time{})
		}
	}
}

// drainStreams waits for the output of a run that ended, up to
// drainTimeout, then closes the streams. A line left unfinished is logged
// as it is.
func (m *monitor) drainStreams() {
	done := make(chan struct{})
	go func() {
		m.copying.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(drainTimeout):
		m.warn(fmt.Sprintf("output still open %v after the container exited; not waiting for it", drainTimeout))
		m.pauseCopiers()
		<-done
	}
	for _, s := range m.streams {
		if s.lw != nil {
			s.lw.Flush()
		}
		s.f.Close()
	}
	m.streams = nil
}
