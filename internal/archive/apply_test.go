package archive

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestApplyPreservesMetadata(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	dirTime := time.Date(2019, 1, 2, 3, 4, 5, 600, time.UTC)
	suid := reg("bin/su", "#!/bin/sh\n")
	suid.hdr.Mode, suid.hdr.Uid, suid.hdr.Gid = 0o4755, 1000, 2000
	suid.hdr.ModTime = time.Date(2020, 2, 3, 4, 5, 6, 789, time.UTC)
	suid.hdr.PAXRecords = map[string]string{
		"SCHILY.xattr.user.note":                "hello",
		"SCHILY.xattr.security.capability":      "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
		"SCHILY.xattr.trusted.overlay.redirect": "/etc", // must be dropped
	}
	d := dirEntry("bin/")
	d.hdr.ModTime, d.hdr.Mode, d.hdr.Uid = dirTime, 0o1750, 7
	link := symlink("bin/sh", "/bin/busybox")
	link.hdr.Uid = 5
	fifo := entry{hdr: tar.Header{Typeflag: tar.TypeFifo, Name: "run/fifo", Mode: 0o620, Gid: 3, ModTime: testTime}}
	null := entry{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "dev/null", Mode: 0o666, Devmajor: 1, Devminor: 3, ModTime: testTime}}
	b := tarOf(t, d, suid, link, hardlink("bin/su2", "bin/su"), fifo, null)
	res := mustApply(t, dir, b, OverlayWhiteouts)

	sum := sha256.Sum256(b)
	if want := "sha256:" + hex.EncodeToString(sum[:]); res.DiffID.String() != want || res.Size != int64(len(b)) {
		t.Errorf("DiffID %s size %d, want %s %d", res.DiffID, res.Size, want, len(b))
	}
	if res.Entries != 6 || res.Compression != Uncompressed {
		t.Errorf("result %+v", res)
	}
	st := lstat(t, filepath.Join(dir, "bin/su"))
	if st.Mode&0o7777 != 0o4755 || st.Uid != 1000 || st.Gid != 2000 || st.Nlink != 2 {
		t.Errorf("bin/su mode %o uid %d gid %d nlink %d", st.Mode, st.Uid, st.Gid, st.Nlink)
	}
	if got := time.Unix(st.Mtim.Unix()); !got.Equal(suid.hdr.ModTime) {
		t.Errorf("bin/su mtime %v, want %v", got, suid.hdr.ModTime)
	}
	if v := getXattr(t, filepath.Join(dir, "bin/su"), "user.note"); v != "hello" {
		t.Errorf("user.note = %q", v)
	}
	if v := getXattr(t, filepath.Join(dir, "bin/su"), "security.capability"); len(v) != 20 {
		t.Errorf("security.capability = %q", v)
	}
	if v := getXattr(t, filepath.Join(dir, "bin/su"), "trusted.overlay.redirect"); v != "" {
		t.Errorf("overlay xattr from the layer was applied: %q", v)
	}
	st = lstat(t, filepath.Join(dir, "bin"))
	if st.Mode&0o7777 != 0o1750 || st.Uid != 7 || !time.Unix(st.Mtim.Unix()).Equal(dirTime) {
		t.Errorf("bin mode %o uid %d mtime %v", st.Mode, st.Uid, time.Unix(st.Mtim.Unix()))
	}
	if target, _ := os.Readlink(filepath.Join(dir, "bin/sh")); target != "/bin/busybox" || lstat(t, filepath.Join(dir, "bin/sh")).Uid != 5 {
		t.Errorf("bin/sh -> %q", target)
	}
	if st := lstat(t, filepath.Join(dir, "run/fifo")); st.Mode != unix.S_IFIFO|0o620 || st.Gid != 3 {
		t.Errorf("fifo mode %o gid %d", st.Mode, st.Gid)
	}
	if st := lstat(t, filepath.Join(dir, "dev/null")); st.Mode != unix.S_IFCHR|0o666 || st.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("dev/null mode %o rdev %d", st.Mode, st.Rdev)
	}
}

func TestApplyCompression(t *testing.T) {
	needRoot(t)
	plain := tarOf(t, dirEntry("etc/"), reg("etc/hostname", "hull\n"))
	sum := sha256.Sum256(plain)
	for _, c := range []Compression{Uncompressed, Gzip, Zstd} {
		t.Run(c.String(), func(t *testing.T) {
			var buf bytes.Buffer
			w, err := Compress(&buf, c)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(plain)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			res := mustApply(t, dir, buf.Bytes(), OverlayWhiteouts)
			if res.Compression != c || res.DiffID.Encoded() != hex.EncodeToString(sum[:]) || res.Size != int64(len(plain)) {
				t.Errorf("result %+v", res)
			}
			if got := readFile(t, filepath.Join(dir, "etc/hostname")); got != "hull\n" {
				t.Errorf("etc/hostname = %q", got)
			}
		})
	}
}

func TestApplyRejectsBzip2(t *testing.T) {
	if _, err := applyBytes(t, t.TempDir(), []byte("BZh91AY&SY"), OverlayWhiteouts); err == nil {
		t.Fatal("bzip2 accepted")
	}
}

func TestApplyTruncatedGzip(t *testing.T) {
	var buf bytes.Buffer
	w, _ := Compress(&buf, Gzip)
	w.Write(tarOf(t, reg("a", "some content")))
	w.Close()
	b := buf.Bytes()
	if _, err := applyBytes(t, t.TempDir(), b[:len(b)-4], OverlayWhiteouts); err == nil {
		t.Fatal("a gzip stream without its trailer was accepted")
	}
}

func TestApplyReplacesAndMerges(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	mustApply(t, dir, tarOf(t, dirEntry("d/"), reg("d/keep", "1"), reg("f", "file"), dirEntry("x/"), reg("x/y", "2"), symlink("l", "f")), CopyWhiteouts)
	mustApply(t, dir, tarOf(t, dirEntry("d/"), reg("d/new", "3"), dirEntry("f/"), reg("x", "now a file"), reg("l", "not a link")), CopyWhiteouts)
	if readFile(t, filepath.Join(dir, "d/keep")) != "1" || readFile(t, filepath.Join(dir, "d/new")) != "3" {
		t.Error("directories did not merge")
	}
	if fi, err := os.Lstat(filepath.Join(dir, "f")); err != nil || !fi.IsDir() {
		t.Errorf("f not replaced by a directory: %v", err)
	}
	if readFile(t, filepath.Join(dir, "x")) != "now a file" || readFile(t, filepath.Join(dir, "l")) != "not a link" {
		t.Error("x or l not replaced")
	}
}

func TestApplyImplicitParents(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	mustApply(t, dir, tarOf(t, reg("./a/b/c/file", "x"), reg("/abs/file", "y")), OverlayWhiteouts)
	if readFile(t, filepath.Join(dir, "a/b/c/file")) != "x" || readFile(t, filepath.Join(dir, "abs/file")) != "y" {
		t.Error("files under missing directories not created")
	}
}

func lstat(t testing.TB, p string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func getXattr(t testing.TB, p, name string) string {
	t.Helper()
	buf := make([]byte, 1024)
	n, err := unix.Lgetxattr(p, name, buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

func TestApplyRefusesSparse(t *testing.T) {
	// archive/tar writes no sparse files, so the PAX 1.0 form is spelled
	// out: a map of one 1-byte chunk in a file of 1 EiB.
	pax := paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0") +
		paxRecord("GNU.sparse.name", "f") + paxRecord("GNU.sparse.realsize", "1152921504606846976")
	b := tarOf(t, reg("PaxHeaders/f", pax), reg("GNUSparseFile.0/f", "1\n0\n1\n"+strings.Repeat("\x00", 512-6)+"x"))
	retype(b[:512], tar.TypeXHeader)
	dir := t.TempDir()
	if _, err := applyBytes(t, dir, b, CopyWhiteouts); err == nil || !strings.Contains(err.Error(), "sparse") {
		t.Fatalf("sparse entry accepted (%v)", err)
	}
	if names := listTree(t, dir); len(names) != 0 {
		t.Errorf("sparse entry left %v", names)
	}
}

func paxRecord(k, v string) string {
	rec := " " + k + "=" + v + "\n"
	n := len(rec)
	for len(strconv.Itoa(n))+len(rec) != n {
		n = len(strconv.Itoa(n)) + len(rec)
	}
	return strconv.Itoa(n) + rec
}

// retype changes the type of a ustar header block and fixes its checksum.
func retype(block []byte, typ byte) {
	block[156] = typ
	copy(block[148:156], "        ")
	sum := 0
	for _, c := range block {
		sum += int(c)
	}
	copy(block[148:156], fmt.Sprintf("%06o\x00 ", sum))
}
