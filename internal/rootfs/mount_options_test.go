package rootfs

import (
	"errors"
	"reflect"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestParseMount(t *testing.T) {
	tests := []struct {
		name string
		m    specs.Mount
		want mountOptions
	}{{
		name: "runc /dev",
		m:    specs.Mount{Type: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		want: mountOptions{flags: unix.MS_NOSUID | unix.MS_STRICTATIME, data: "mode=755,size=65536k"},
	}, {
		name: "bind by option, read-only, propagation",
		m:    specs.Mount{Type: "none", Options: []string{"rbind", "ro", "rprivate", "nosuid"}},
		want: mountOptions{
			flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NOSUID, bind: true, recursive: true,
			propagation: []uintptr{unix.MS_PRIVATE | unix.MS_REC},
		},
	}, {
		name: "bind by type",
		m:    specs.Mount{Type: "bind", Options: []string{"ro"}},
		want: mountOptions{flags: unix.MS_BIND | unix.MS_RDONLY, bind: true},
	}, {
		name: "rbind by type",
		m:    specs.Mount{Type: "rbind"},
		want: mountOptions{flags: unix.MS_BIND | unix.MS_REC, bind: true, recursive: true},
	}, {
		name: "later options win and clearing is remembered",
		m:    specs.Mount{Type: "tmpfs", Options: []string{"ro", "rw", "nodev", "dev", "exec"}},
		want: mountOptions{cleared: unix.MS_RDONLY | unix.MS_NODEV | unix.MS_NOEXEC},
	}, {
		name: "recursive options",
		m:    specs.Mount{Type: "none", Options: []string{"rbind", "rro", "rnosuid", "rnoatime"}},
		want: mountOptions{
			flags: unix.MS_BIND | unix.MS_REC, bind: true, recursive: true,
			recAttr: unix.MountAttr{
				Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NOATIME,
				Attr_clr: unix.MOUNT_ATTR__ATIME,
			},
		},
	}, {
		name: "every mount(8) flag",
		m: specs.Mount{Type: "ext4", Options: []string{"defaults", "sync", "dirsync", "mand", "noatime",
			"nodiratime", "relatime", "lazytime", "iversion", "silent", "nosymfollow", "remount", "noexec", "nodev"}},
		want: mountOptions{flags: unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_MANDLOCK | unix.MS_NOATIME |
			unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_LAZYTIME | unix.MS_I_VERSION | unix.MS_SILENT |
			unix.MS_NOSYMFOLLOW | unix.MS_REMOUNT | unix.MS_NOEXEC | unix.MS_NODEV},
	}, {
		name: "unknown options are data",
		m:    specs.Mount{Type: "devpts", Options: []string{"nosuid", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		want: mountOptions{flags: unix.MS_NOSUID, data: "newinstance,ptmxmode=0666,mode=0620,gid=5"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMount(&tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseMount(%v)\n got %+v\nwant %+v", tt.m.Options, got, tt.want)
			}
		})
	}
}

func TestParseMountRefusesWhatItCannotDo(t *testing.T) {
	for _, m := range []specs.Mount{
		{Type: "none", Options: []string{"rbind", "idmap"}},
		{Type: "none", Options: []string{"bind", "ridmap"}},
		{Type: "tmpfs", Options: []string{"tmpcopyup"}},
		{Type: "none", Options: []string{"bind"}, UIDMappings: []specs.LinuxIDMapping{{Size: 1}}},
	} {
		if _, err := parseMount(&m); !errors.Is(err, errdefs.ErrUnavailable) {
			t.Errorf("parseMount(%v): err = %v, want ErrUnavailable", m.Options, err)
		}
	}
}
