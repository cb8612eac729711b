# hull's build and test entry points. `make test` is what CI runs.
GO ?= go
PREFIX ?= /usr/local

.PHONY: all build install test test-unit test-conformance bench clean

all: build

build:
	$(GO) build -o bin/hull-oci ./cmd/hull-oci

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
