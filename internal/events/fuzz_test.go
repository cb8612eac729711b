package events

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

// FuzzDecodeLine: no line, however torn or hostile, makes the decoder
// panic, and what it accepts survives a round trip through the journal's
// own encoding.
func FuzzDecodeLine(f *testing.F) {
	good, _ := encodeLine(Event{Type: TypeContainer, Action: "die", Time: when,
		Actor: Actor{ID: "c1", Attributes: map[string]string{"exitCode": "0", "name": "web"}}})
	f.Add(bytes.TrimSuffix(good, []byte("\n")))
	f.Add(good[:len(good)/2])
	f.Add([]byte(`{"status":"die","id":"abc","time":1700000000}`))
	f.Add([]byte(`{"Type":"container","Action":"x","timeNano":-1,"Actor":{"Attributes":null}}`))
	f.Add([]byte(`{"Type":"image","Action":"pull","time":9223372036854775807}`))
	f.Add([]byte("\x00\xff{"))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, ok := decodeLine(line)
		if !ok {
			return
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", e, err)
		}
		back, ok := decodeLine(b)
		if !ok || back.Type != e.Type || back.Action != e.Action || back.Actor.ID != e.Actor.ID {
			t.Fatalf("round trip of %q: %+v became %s then %+v", line, e, b, back)
		}
		// On the journal's own lines the quick time reader agrees.
		if tm, ok := lineTime(b); back.Time.IsZero() == ok || ok && !tm.Equal(back.Time) {
			t.Fatalf("lineTime(%s) = %v, %v; the line decodes to %v", b, tm, ok, back.Time)
		}
	})
}

// FuzzLineReader: however a stream is cut into reads, the reader yields
// exactly its complete lines, and holds back the unfinished last one.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\nbc\n\nd"), []byte{1, 3, 0, 2})
	f.Add([]byte("{\"Type\":\"x\"}\n"), []byte{5})
	f.Add(bytes.Repeat([]byte("x"), 100), []byte{7, 200})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		if len(data) > maxPending {
			t.Skip("longer lines are dropped as garbage")
		}
		var want [][]byte
		if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
			want = bytes.Split(data[:i], []byte("\n"))
		}
		src := &growingFile{}
		lr := newLineReader(src)
		var got [][]byte
		collect := func(line []byte) error { got = append(got, bytes.Clone(line)); return nil }
		rest := data
		for _, c := range cuts {
			n := min(int(c), len(rest))
			src.data = append(src.data, rest[:n]...)
			rest = rest[n:]
			if err := lr.each(collect); err != nil {
				t.Fatal(err)
			}
		}
		src.data = append(src.data, rest...)
		if err := lr.each(collect); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d lines %q, want %d %q", len(got), got, len(want), want)
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("line %d is %q, want %q", i, got[i], want[i])
			}
		}
	})
}

// growingFile reads like a file being appended to: at its end it returns
// io.EOF, and more can be read once more is written.
type growingFile struct {
	data []byte
	off  int
}

func (g *growingFile) Read(p []byte) (int, error) {
	if g.off == len(g.data) {
		return 0, io.EOF
	}
	n := copy(p, g.data[g.off:])
	g.off += n
	return n, nil
}
