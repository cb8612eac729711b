# hull's build and test entry points. `make test` is what CI runs.
GO ?= go
PREFIX ?= /usr/local

.PHONY: all build install test test-unit test-conformance bench bench-engine bench-image bench-net bench-build clean

all: build

# Statically linked (libseccomp.a and libc.a come with libseccomp-dev and
# libc6-dev): hull-oci starts twice per container, and skipping the dynamic
# loader saves about 0.5 ms each time.
LDFLAGS ?= -s -w -linkmode external -extldflags -static

# encoding/json on the v2 implementation (same API and behaviour): its
# first decode of a config.json costs half of v1's, which every hull-oci
# and hull command pays cold. About 1.5 ms of CPU per container start
# (docs/benchmarks.md).
export GOEXPERIMENT ?= jsonv2

# hull-monitor re-executes itself as every container's init, so it is
# static for the same reason. hull-init runs inside containers, whose images
# have no libc to offer: it is C in a Go package, and static.
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/hull-oci ./cmd/hull-oci
	$(GO) build -tags osusergo,netgo -ldflags '$(LDFLAGS)' -o bin/hull-monitor ./cmd/hull-monitor
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/hull-init ./cmd/hull-init
	$(GO) build -tags osusergo,netgo -ldflags '$(LDFLAGS)' -o bin/hull ./cmd/hull

install: build
	for b in hull hull-oci hull-monitor hull-init; do install -D -m 0755 bin/$$b $(DESTDIR)$(PREFIX)/bin/$$b; done

# Unit and black-box tests (root-only tests skip without root), then the
# OCI conformance suite compared against crun.
test: test-unit test-conformance

test-unit:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

test-conformance: build
	bash test/conformance/compare.sh bin/hull-oci crun

bench: build
	bash bench/oci-run.sh bin/hull-oci

# hull run --rm against podman and docker (installs nothing: see the script).
bench-engine: build
	bash bench/engine-run.sh bin

# pull and unpack of a ~200 MB image against skopeo+umoci and containerd.
bench-image: build
	bash bench/image-pull.sh bin/hull

# TCP throughput and connect latency over hull's networks, a bare veth and
# docker's bridge (needs hyperfine and docker.io; see the script).
bench-net: build
	bash bench/net.sh bin

# a multi-stage Dockerfile, cold and fully cached, against buildah.
bench-build: build
	bash bench/build.sh bin

clean:
	rm -rf bin
