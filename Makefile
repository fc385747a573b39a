# lightbeam: `make` (release build), `make test` (everything CI runs), `make demo`, `make bench`,
# `make fuzz` (libFuzzer targets, clang; see docs/fuzzing.md), `make install`, `make package`
# (a .deb), `make package-test` (docs/packaging.md).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
PREFIX     ?= /usr/local
CONFIGURE   = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DLIGHTBEAM_WERROR=ON $(CMAKE_FLAGS) >/dev/null

.PHONY: all release programs bootstrap test test-release test-asan demo bench fuzz conformance install package \
        package-test clean

all: release

bootstrap:
	@scripts/bootstrap

release: bootstrap
	$(CONFIGURE)
	cmake --build $(BUILD) -j $(JOBS)

# The two programs alone (no tests, benchmarks or fuzz replays): what demo, install and package need.
programs: bootstrap
	$(CONFIGURE)
	cmake --build $(BUILD) -j $(JOBS) --target lightbeam edfi-sandbox

# Unit, JSON-Schema suite, sandbox conformance and end-to-end tests, then the same under ASan+UBSan.
test: test-release test-asan

test-release: release
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The ASan+UBSan build compiles the programs, the unit tests and the fuzz replays (which run the
# code in-process); the e2e and sandbox tests drive programs as processes, so the release build's
# test executables run against the ASan programs (LIGHTBEAM_TEST_BIN_DIR) instead of a second build.
# -g1: line tables are all an ASan report needs (file:line per frame), and less to write and link.
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
# The whole Grand Bend sample set (convert, validate, send, fetch back; the populated template) runs
# in the release pass only: under ASan each of those tests takes 70 s (4 s in release), and the
# same code runs under ASan on smaller data in the other tests.
ASAN_LEAVE_OUT = GrandBend\.SampleSetConvertsValidatesSendsAndFetchesBack|Templates\.PopulatedHasGrandBend
test-asan: release
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DLIGHTBEAM_SANITIZE=ON \
	  -DLIGHTBEAM_WERROR=ON -DLIGHTBEAM_PROCESS_TESTS=OFF -DLIGHTBEAM_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	$(ASAN_ENV) ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -LE slow
	@echo "ASan pass: the Grand Bend sample-set tests run in the release pass only (70 s each under ASan)"
	$(ASAN_ENV) LIGHTBEAM_TEST_BIN_DIR=$(abspath $(ASAN_BUILD)) \
	  ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -L 'e2e|sandbox' -LE slow -E '$(ASAN_LEAVE_OUT)'

demo: programs
	scripts/demo $(BUILD)

# bin/lightbeam, bin/edfi-sandbox, share/man/man1, share/doc/lightbeam, share/lightbeam/metadata
# under $(DESTDIR)$(PREFIX).
install: programs
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# $(BUILD)/lightbeam_<version>-1_<arch>.deb (CPack, installs into /usr).
package: programs
	cpack --config $(BUILD)/CPackConfig.cmake -B $(BUILD)

# Extracts the .deb into a temporary root and runs a round trip with its programs alone.
package-test: package
	scripts/package-test $(BUILD)

bench: release
	bench/run $(BUILD)

# Ed-Fi ODS/API 7.3's Postman suites against `edfi-sandbox --flavor ods` (docs/sandbox.md); installs
# newman into $(BUILD)/npm, so it needs the npm registry and is not part of `make test`.
conformance: bootstrap
	$(CONFIGURE)
	cmake --build $(BUILD) -j $(JOBS) --target edfi-sandbox
	scripts/conformance $(BUILD)

# Builds every fuzz/*_fuzz.cpp with clang + libFuzzer + ASan/UBSan and runs each for FUZZ_RUNS
# inputs from its seed corpus fuzz/corpus/<name> (new inputs go to $(FUZZ_BUILD)/corpus/<name>,
# crashes to $(FUZZ_BUILD)/artifacts/<name>/; the repo's corpus is only read).
FUZZ_BUILD   ?= build-fuzz
FUZZ_RUNS    ?= 10000
FUZZ_TARGETS  = $(patsubst fuzz/%.cpp,%,$(wildcard fuzz/*_fuzz.cpp))
# -max_len per target (default 4096): the JSONL reader needs lines longer than its 4 KiB buffer.
FUZZ_MAX_LEN_jsonl_reader = 20000
FUZZ_OPTIONS ?= -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

define run_fuzzer
	@mkdir -p $(FUZZ_BUILD)/corpus/$(1) $(FUZZ_BUILD)/artifacts/$(1)
	@echo "== $(1)_fuzz: $(FUZZ_RUNS) runs"
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(FUZZ_BUILD)/$(1)_fuzz -runs=$(FUZZ_RUNS) -max_len=$(or $(FUZZ_MAX_LEN_$(1)),4096) $(FUZZ_OPTIONS) \
	  -artifact_prefix=$(FUZZ_BUILD)/artifacts/$(1)/ $(FUZZ_BUILD)/corpus/$(1) fuzz/corpus/$(1)

endef

fuzz:
	@scripts/bootstrap --fuzz
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DLIGHTBEAM_FUZZ=ON -DLIGHTBEAM_TESTS=OFF -DLIGHTBEAM_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_TARGETS)
	$(foreach t,$(FUZZ_TARGETS),$(call run_fuzzer,$(t:_fuzz=)))

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
