package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// defaultDetachKeys is Docker's: ctrl-p then ctrl-q.
var defaultDetachKeys = []byte{0x10, 0x11}

// detachKeysValue is --detach-keys, checked as it is given.
type detachKeysValue []byte

func (v *detachKeysValue) String() string { return "" }

func (v *detachKeysValue) Set(s string) error {
	keys, err := parseDetachKeys(s)
	if err == nil {
		*v = keys
	}
	return err
}

// detachKeys registers --detach-keys on p, which holds Docker's sequence
// until the flag says otherwise.
func (f *flagSet) detachKeys(p *[]byte) {
	*p = defaultDetachKeys
	f.Var((*detachKeysValue)(p), "", "detach-keys", "Override the key sequence for detaching a container")
}

// errDetached ends a session the user detached from with the detach keys:
// hull exits 0 and the container runs on.
var errDetached = errors.New("detached")

// parseDetachKeys reads a --detach-keys value as Docker does: a comma
// separated list of single characters and "ctrl-X", X a letter or one of
// @ [ \ ] ^ _.
func parseDetachKeys(s string) ([]byte, error) {
	var keys []byte
	for _, k := range strings.Split(s, ",") {
		switch {
		case len(k) == 1:
			keys = append(keys, k[0])
		case len(k) == 6 && strings.HasPrefix(strings.ToLower(k), "ctrl-"):
			c := k[5]
			switch {
			case 'a' <= c && c <= 'z':
				keys = append(keys, c-'a'+1)
			case 'A' <= c && c <= 'Z':
				keys = append(keys, c-'A'+1)
			case strings.IndexByte("@[\\]^_", c) >= 0:
				keys = append(keys, c-'@')
			default:
				return nil, fmt.Errorf("invalid detach keys %q: unknown character %q", s, c)
			}
		default:
			return nil, fmt.Errorf("invalid detach keys %q: unknown key %q", s, k)
		}
	}
	return keys, nil
}

// detachReader passes input through until it reads keys in a row; then it
// calls detach and never returns again (the session is over, and an end
// of input would close the container's stdin). Bytes that begin the
// sequence are held back until it is clear they do not finish it.
type detachReader struct {
	r      io.Reader
	keys   []byte
	detach func()

	held []byte // a prefix of keys, read and not yet passed on
	out  []byte // read and to be passed on
	once sync.Once
}

func (d *detachReader) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		buf := make([]byte, max(len(p), 1))
		n, err := d.r.Read(buf)
		for _, b := range buf[:n] {
			if d.feed(b) {
				d.once.Do(d.detach)
				select {} // see the type's comment
			}
		}
		if err != nil {
			d.out, d.held = append(d.out, d.held...), nil
			if len(d.out) == 0 {
				return 0, err
			}
			break
		}
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// feed takes one byte of input and reports whether it completed keys.
func (d *detachReader) feed(b byte) bool {
	if b == d.keys[len(d.held)] {
		d.held = append(d.held, b)
		return len(d.held) == len(d.keys)
	}
	d.out, d.held = append(d.out, d.held...), d.held[:0]
	if b == d.keys[0] {
		d.held = append(d.held, b)
		return len(d.keys) == 1
	}
	d.out = append(d.out, b)
	return false
}
