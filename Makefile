# lightbeam: `make` (release build), `make test` (everything CI runs), `make demo`, `make bench`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all release bootstrap test test-release test-asan demo bench clean

all: release

bootstrap:
	@scripts/bootstrap

release: bootstrap
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DLIGHTBEAM_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# Unit, JSON-Schema suite, sandbox conformance and end-to-end tests, then the same under ASan+UBSan.
test: test-release test-asan

test-release: release
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: bootstrap
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLIGHTBEAM_SANITIZE=ON -DLIGHTBEAM_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -LE slow

demo: release
	scripts/demo $(BUILD)

bench: release
	bench/run $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
