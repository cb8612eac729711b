# hull's build and test entry points. `make test` is what CI runs.
GO ?= go
PREFIX ?= /usr/local

.PHONY: all build install test test-unit test-conformance bench clean

all: build

# Statically linked (libseccomp.a and libc.a come with libseccomp-dev and
# libc6-dev): hull-oci starts twice per container, and skipping the dynamic
# loader saves about 0.5 ms each time.
LDFLAGS ?= -s -w -linkmode external -extldflags -static

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/hull-oci ./cmd/hull-oci

install: build
	install -D -m 0755 bin/hull-oci $(DESTDIR)$(PREFIX)/bin/hull-oci

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

clean:
	rm -rf bin
