# campaignd: `make run` starts the whole campaign (service, mailer, site); `make test` runs every test.
SWIFT ?= swift
CONFIG ?= debug
STATE ?= var
PORT ?= 8080
BIN = .build/$(CONFIG)/campaignd
OPENRPC_META ?= Tests/schemas/openrpc-meta

.PHONY: all deps build run test test-swift test-schemas test-docs test-units test-web lint format clean docs

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG)

run: build
	@BIN=.build/$(CONFIG) STATE=$(STATE) PORT=$(PORT) scripts/run.sh

test: deps lint test-docs test-swift test-schemas test-units test-web

# The site's tests in a process of their own: they serve and read HTTP against deadlines, and the other
# suites' long blocking and CPU-bound tests would hold the few cooperative threads of a 2-core machine.
test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip CampaignWebTests
	$(SWIFT) test --skip-build --filter CampaignWebTests

# The OpenRPC document against the OpenRPC 1.3 meta-schema (kept in Tests/schemas/openrpc-meta), and the
# example campaigns against Schemas/campaign.schema.json.
test-schemas:
	python3 Tests/schemas/validate.py $(OPENRPC_META)

# docs/methods.md is generated from Schemas/openrpc.json: `make docs` rewrites it, `make test-docs` fails
# with the diff while it is stale (and runs the generator's own tests).
docs:
	python3 scripts/openrpc-reference.py

test-docs:
	python3 scripts/openrpc-reference.py --check
	python3 Tests/docs/test_docs.py

test-units:
	systemd/verify.sh $(CURDIR)/.build/debug/campaignd

# The site in headless chromium (Tests/web/): SMTP sink, campaignd, mailer, campaign-web and nginx with
# deploy/nginx/campaign-web.conf, all started and stopped by the tests; screenshots in Tests/web/screenshots/.
test-web:
	$(SWIFT) build
	cd Tests/web && python3 -m pytest -q -p no:cacheprovider

# Code style: .swift-format; `make format` rewrites, `make lint` checks.
lint:
	$(SWIFT) format lint --strict -r Sources Clients Tests Package.swift

format:
	$(SWIFT) format -i -r Sources Clients Tests Package.swift

clean:
	rm -rf .build $(STATE)

# Benchmarks (Benchmarks/README.md). `make bench`: campaignd and its two floors in one run, with ratios
# (BENCH_SECONDS, BENCH_WARMUP); `make bench-floors`: the floors alone; `make bench-data [ROWS=10000000]
# [STATE=var-bench]`: a database of ROWS signatures for campaignd, quickly (a fixture: loaded unsynced).
.PHONY: bench bench-floors bench-mailer bench-web bench-data bench-scale bench-overload
ROWS ?= 10000000
BENCH_STATE = $(if $(filter command line environment environment override,$(origin STATE)),$(STATE),var-bench)

bench:
	@Benchmarks/bench.sh
	@BENCH_SKIP_BUILD=$${BENCH_SKIP_BUILD:-0} Benchmarks/web-bench.sh

bench-floors:
	@Benchmarks/bench.sh floors

# campaign-mailer alone (also part of `make bench`): messages/s over SMTP to Postfix's smtp-sink against
# smtp-source on the same sink, and its resident memory draining MAILER_MESSAGES (default 100000).
bench-mailer:
	@Benchmarks/bench.sh mailer

# The site (also part of `make bench`): GET / through campaign-web against nginx serving the same bytes
# (wrk, WEB_CONNECTIONS 64), and WEB_STREAMS (10000) open /live streams: time to update, resident memory.
bench-web:
	@Benchmarks/web-bench.sh

bench-data:
	@Benchmarks/bench-data.sh $(ROWS) $(BENCH_STATE)

# Scale figures on the bench-data database: cold start, memory, count and list at depth, export.
bench-scale:
	@python3 Benchmarks/scale.py $(BENCH_STATE)

# 1,000 clients that pipeline and never read (CLIENTS, REQUESTS): a newcomer's wait, resident memory.
bench-overload:
	$(SWIFT) build -c release --product campaignd
	@python3 Benchmarks/overload.py

# Fuzzing (Fuzz/README.md): `make fuzz` builds the libFuzzer target in .build-fuzz/ and runs it for
# FUZZ_SECONDS from the seed corpus in Fuzz/corpus/; it fails on a crash and says where the input is.
.PHONY: fuzz
FUZZ_SECONDS ?= 60

fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/fuzz.sh

# Sanitizers (RELIABILITY.md): `make sanitize` runs every test under AddressSanitizer and LeakSanitizer
# (built in .build-asan/), then under ThreadSanitizer (.build-tsan/), with the instrumented campaignd and
# campaignctl; each process's reports go to .build-<san>/sanitize/. It prints tests run and failed and
# reports found per sanitizer, and fails on any. `make sanitize SANITIZERS=tsan` runs one.
.PHONY: sanitize
SANITIZERS ?= asan tsan

sanitize: deps
	@scripts/sanitize.sh $(SANITIZERS)
