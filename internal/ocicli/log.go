package ocicli

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

// logger writes runc-style log lines: logrus's text format
// (time="..." level=error msg="...") or one JSON object a line
// ({"level":"error","msg":"...","time":"..."}), which containerd reads
// back from --log to report why the runtime failed.
type logger struct {
	f        *os.File
	json     bool
	debug    bool
	toStderr bool
}

func newLogger(path, format string, debug bool) (*logger, error) {
	l := &logger{f: os.Stderr, debug: debug, toStderr: path == ""}
	switch format {
	case "text", "":
	case "json":
		l.json = true
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
	if path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("opening log file: %w", err)
		}
		l.f = f
	}
	return l, nil
}

func (l *logger) write(level, msg string) {
	if l.toStderr {
		// A person reads stderr: plain lines, as the CLI's errors are.
		fmt.Fprintf(l.f, "hull-oci: %s: %s\n", level, msg)
		return
	}
	now := time.Now().Format(time.RFC3339Nano)
	var line []byte
	if l.json {
		line, _ = json.Marshal(struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Time  string `json:"time"`
		}{level, msg, now})
	} else {
		line = []byte("time=" + strconv.Quote(now) + " level=" + level + " msg=" + strconv.Quote(msg))
	}
	l.f.Write(append(line, '\n'))
}

func (l *logger) errorf(format string, args ...any) { l.write("error", fmt.Sprintf(format, args...)) }
func (l *logger) warnf(format string, args ...any)  { l.write("warning", fmt.Sprintf(format, args...)) }
func (l *logger) debugf(format string, args ...any) {
	if l.debug {
		l.write("debug", fmt.Sprintf(format, args...))
	}
}

func (l *logger) close() {
	if !l.toStderr {
		l.f.Close()
	}
}
