# A thin wrapper over meson: the README's two commands are `make demo` and
# `make test`; each installs what is missing, builds, then runs.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
VALGRIND_WRAP = --wrap='valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite -q'
MESON_OPTS ?= -Dwerror=true

.PHONY: all deps build demo test test-asan test-valgrind fuzz bench golden clean

all: build

deps:
	@sh scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	@sh scripts/demo.sh $(BUILD)

test: build
	meson test -C $(BUILD) --print-errorlogs

# The same suites under AddressSanitizer and UndefinedBehaviorSanitizer.
$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) $(MESON_OPTS) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

test-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(ASAN_BUILD) --print-errorlogs

# The in-process suites under valgrind memcheck (slow: not part of CI).
test-valgrind: build
	meson test -C $(BUILD) --print-errorlogs $(VALGRIND_WRAP) \
		lab actions checks sync faults hygiene tui cli db list catalog audit mapping adminservice \
		sanitize timeparse jsonschema

# Golden screens (tests/screen/golden) redrawn from the console as it is now;
# review the diff it shows.
golden: build
	@sh scripts/golden.sh $(BUILD)

# Every benchmark (bench/run), a summary of their figures, then the growth
# table (bench/growth.sh: lab scales 100, 1000 and 5000 against issue 18's
# targets; several minutes). Figures mean most from a release build:
# make bench BUILD=build-rel MESON_OPTS=-Dbuildtype=release
bench: build
	sh bench/run $(BUILD)

# libFuzzer targets (clang), each run FUZZ_SECONDS on its seed corpus.
$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug -Dwerror=false

fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) tests/fuzz/fuzz_page tests/fuzz/fuzz_sanitize \
		tests/fuzz/fuzz_timeparse tests/fuzz/fuzz_out
	sh scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
