// Command netclient measures TCP for bench/net.sh: bulk throughput and
// the latency of a connect plus one round trip. It is built static so that
// the same binary runs on the host, in a network namespace made by hand
// and, bind-mounted, in any container image.
//
//	netclient serve ADDR           answer both kinds of client, forever
//	netclient tput ADDR SECONDS    send as fast as possible; print Gbit/s
//	netclient connect ADDR N       N connects; print median and p90 in µs
package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: netclient serve ADDR | tput ADDR SECONDS | connect ADDR N")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2])
	case "tput":
		err = tput(os.Args[2], arg(3, 3))
	case "connect":
		err = connect(os.Args[2], arg(3, 1000))
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "netclient:", err)
		os.Exit(1)
	}
}

func arg(i, def int) int {
	if len(os.Args) <= i {
		return def
	}
	n, err := strconv.Atoi(os.Args[i])
	if err != nil {
		return def
	}
	return n
}

// serve reads one byte from each connection: 'T' makes it a sink that
// answers with the byte count once the sender is done, 'C' an echo of that
// byte.
func serve(addr string) error {
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			b := make([]byte, 1)
			if _, err := io.ReadFull(c, b); err != nil {
				return
			}
			switch b[0] {
			case 'C':
				c.Write(b)
			case 'T':
				n, _ := io.Copy(io.Discard, c)
				binary.Write(c, binary.BigEndian, n)
			}
		}()
	}
}

// tput sends for the given seconds and prints what the server received.
func tput(addr string, seconds int) error {
	c, err := net.Dial("tcp4", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte{'T'}); err != nil {
		return err
	}
	buf := make([]byte, 256<<10)
	start := time.Now()
	for end := start.Add(time.Duration(seconds) * time.Second); time.Now().Before(end); {
		if _, err := c.Write(buf); err != nil {
			return err
		}
	}
	c.(*net.TCPConn).CloseWrite()
	var n int64
	if err := binary.Read(c, binary.BigEndian, &n); err != nil {
		return err
	}
	fmt.Printf("gbps %.2f\n", float64(n)*8/time.Since(start).Seconds()/1e9)
	return nil
}

// connect times n connects, each with a one-byte round trip.
func connect(addr string, n int) error {
	ds := make([]time.Duration, 0, n)
	b := []byte{'C'}
	for range n {
		t0 := time.Now()
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			return err
		}
		if _, err := c.Write(b); err == nil {
			_, err = io.ReadFull(c, b)
		}
		c.Close()
		if err != nil {
			return err
		}
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	fmt.Printf("connect_us %.0f %.0f\n", us(ds[n/2]), us(ds[n*9/10]))
	return nil
}
