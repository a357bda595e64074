# Makefile: thin convenience wrapper around meson for Isle
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every target first installs from Debian's archive whatever it is missing
# (scripts/install-deps.sh), then configures and builds with meson.  meson and
# ninja remain the build system; this file only names the usual runs.
#
#   make demo    build and run the GTK 4 demo (without a display: its
#                walkthrough under xvfb-run, which saves screenshots)
#   make test    run the test suite three times: a normal build, the same
#                under Valgrind's memcheck, and a build with
#                AddressSanitizer and UndefinedBehaviorSanitizer
#   make test-tsan  build the cross-thread tests with ThreadSanitizer
#                (_build-tsan) and run them; .ci/run runs it after make test
#   make fuzz    build the libFuzzer harness with clang (_build-fuzz) and run
#                it for FUZZ_SECONDS (60; .ci/run runs it; fuzz/README.md)
#   make check-full  everything: make test, make test-tsan, the stress test
#                with 1,000,000 operations (normal and sanitizer builds) and
#                make fuzz for FUZZ_FULL_SECONDS (600)
#   make bench   run the benchmarks of bench/ from a release build
#   make docs    build the HTML API reference with gi-docgen in _build-docs
#   make clean   remove the build directories

MESON ?= meson
NINJA ?= ninja
INSTALL_DEPS := scripts/install-deps.sh

BUILD_DIR    := _build
SANITIZE_DIR := _build-sanitize
RELEASE_DIR  := _build-release
DOCS_DIR     := _build-docs
TSAN_DIR     := _build-tsan
FUZZ_DIR     := _build-fuzz

BUILD_OPTS    :=
# b_lundef=false: some compilers (clang) link the sanitizer runtime into
# programs only, which leaves the shared library with undefined references.
SANITIZE_OPTS := -Db_sanitize=address,undefined -Db_lundef=false
RELEASE_OPTS  := --buildtype=release -Db_ndebug=true -Dtests=false
# Only the library, its GIR and the reference: nothing else is needed.
DOCS_OPTS     := -Ddocumentation=true -Dintrospection=enabled -Dtests=false -Dbenchmarks=false -Ddemo=false

# The ThreadSanitizer build registers only the tests where threads meet
# (tests/meson.build). gcc-12's libtsan2 runs as is on this kernel (6.x,
# vm.mmap_rnd_bits=28); where it aborts with "unexpected memory mapping"
# (more ASLR entropy), run the tests under `setarch $(uname -m) -R`.
TSAN_OPTS     := -Db_sanitize=thread -Db_lundef=false -Dbenchmarks=false -Ddemo=false
FUZZ_OPTS     := -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
                 -Dtests=false -Dbenchmarks=false -Ddemo=false
FUZZ_CC       ?= clang-14
FUZZ_SECONDS      ?= 60
FUZZ_FULL_SECONDS ?= 600
STRESS_FULL_OPS   ?= 1000000

.PHONY: all demo test test-normal test-sanitize test-valgrind test-tsan fuzz \
        test-stress-full check-full bench docs clean

all:
	@$(INSTALL_DEPS) build
	$(call meson_setup,$(BUILD_DIR),$(BUILD_OPTS))
	$(NINJA) -C $(BUILD_DIR)

# meson_setup DIR, OPTIONS: configure DIR if it has no build.ninja yet.  A
# directory that meson began to configure but never finished is reconfigured
# rather than set up again; a configured one is left alone, since ninja makes
# meson regenerate it whenever a meson.build changes.
define meson_setup
	@if [ ! -f $(1)/build.ninja ]; then \
	  if [ -f $(1)/meson-private/coredata.dat ]; then \
	    echo "$(MESON) setup --reconfigure $(1) $(2)"; \
	    $(MESON) setup --reconfigure $(1) $(2); \
	  else \
	    echo "$(MESON) setup $(1) $(2)"; \
	    $(MESON) setup $(1) $(2); \
	  fi; \
	fi
endef

# meson_test DIR[, ARGS]: build DIR and run its tests (ARGS: more options
# for meson test).  The previous test log is removed first so that a build
# that fails cannot leave a stale log behind for .ci/run to count.
define meson_test
	rm -f $(1)/meson-logs/testlog.json
	$(NINJA) -C $(1)
	$(MESON) test -C $(1) --print-errorlogs $(2)
endef

# The GTK 4 demo. With a display it opens the window; without one (a CI
# machine, a container) it runs under a virtual X server in walkthrough
# mode: it tours every page, prints what happens and saves a screenshot of
# each page into $(DEMO_SHOTS).
DEMO_SHOTS := $(BUILD_DIR)/demo/screenshots

demo:
	@$(INSTALL_DEPS) demo
	$(call meson_setup,$(BUILD_DIR),$(BUILD_OPTS))
	$(NINJA) -C $(BUILD_DIR) demo/isle-demo
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "$(BUILD_DIR)/demo/isle-demo"; \
	  $(BUILD_DIR)/demo/isle-demo; \
	else \
	  echo "No display: running the walkthrough under xvfb-run"; \
	  GTK_A11Y=none GSK_RENDERER=cairo xvfb-run -a -s '-screen 0 1280x1024x24 -nolisten tcp' \
	    $(BUILD_DIR)/demo/isle-demo --walkthrough=$(abspath $(DEMO_SHOTS)); \
	fi

# Both suites run even when the first one fails; the target fails if either
# did.
test:
	@$(INSTALL_DEPS) test
	@status=0; \
	$(MAKE) --no-print-directory test-normal || status=1; \
	$(MAKE) --no-print-directory test-valgrind || status=1; \
	$(MAKE) --no-print-directory test-sanitize || status=1; \
	exit $$status

test-normal:
	$(call meson_setup,$(BUILD_DIR),$(BUILD_OPTS))
	$(call meson_test,$(BUILD_DIR))

# The same build under memcheck (meson's "valgrind" test setup): no errors,
# no definite or indirect leaks. The setup leaves some suites out (see its
# exclude_suites in meson.build), the GTK demo's among them.
test-valgrind:
	$(call meson_setup,$(BUILD_DIR),$(BUILD_OPTS))
	rm -f $(BUILD_DIR)/meson-logs/testlog-valgrind.json
	$(NINJA) -C $(BUILD_DIR)
	$(MESON) test -C $(BUILD_DIR) --setup valgrind --print-errorlogs

test-sanitize:
	$(call meson_setup,$(SANITIZE_DIR),$(SANITIZE_OPTS))
	$(call meson_test,$(SANITIZE_DIR))

# Only the "isle" suite runs: the cross-thread tests tests/meson.build
# registers in this build. (`--suite isle` alone would match the project's
# name and take every suite.) The examples of docs/ and the packaging
# checks are built there too, but not run: the examples are not linked
# with tests/isle-tsan-glib.c, which makes GLib's locks visible to
# ThreadSanitizer, so it would report GLib's own locking as races.
test-tsan:
	@$(INSTALL_DEPS) test
	$(call meson_setup,$(TSAN_DIR),$(TSAN_OPTS))
	$(call meson_test,$(TSAN_DIR),--suite isle:isle)

# The fuzzer's verdict goes to $(FUZZ_DIR)/fuzz-result.json as one test
# result in the form of meson's test logs, so that .ci/run counts it. New
# inputs go to $(FUZZ_DIR)/corpus; fuzz/corpus is the committed seed corpus.
fuzz:
	@$(INSTALL_DEPS) fuzz
	@if [ ! -f $(FUZZ_DIR)/build.ninja ]; then \
	  echo "CC=$(FUZZ_CC) $(MESON) setup $(FUZZ_DIR) $(FUZZ_OPTS)"; \
	  CC=$(FUZZ_CC) $(MESON) setup $(FUZZ_DIR) $(FUZZ_OPTS); \
	fi
	rm -f $(FUZZ_DIR)/fuzz-result.json
	$(NINJA) -C $(FUZZ_DIR) fuzz/fuzz-island
	mkdir -p $(FUZZ_DIR)/corpus
	@status=0; \
	$(FUZZ_DIR)/fuzz/fuzz-island -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  -artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus fuzz/corpus || status=1; \
	if [ $$status -eq 0 ]; then result=OK; else result=FAIL; fi; \
	echo "{\"name\": \"fuzz-island\", \"result\": \"$$result\", \"seconds\": $(FUZZ_SECONDS)}" \
	  > $(FUZZ_DIR)/fuzz-result.json; \
	echo "fuzz: fuzz-island ran $(FUZZ_SECONDS) s: $$result"; \
	exit $$status

# The seeded stress test at full length, in the normal and sanitizer builds.
test-stress-full:
	$(call meson_setup,$(BUILD_DIR),$(BUILD_OPTS))
	$(call meson_setup,$(SANITIZE_DIR),$(SANITIZE_OPTS))
	$(NINJA) -C $(BUILD_DIR) tests/test-stress
	$(NINJA) -C $(SANITIZE_DIR) tests/test-stress
	ISLE_STRESS_OPS=$(STRESS_FULL_OPS) $(MESON) test -C $(BUILD_DIR) --no-rebuild \
	  --logbase testlog-stress-full --print-errorlogs stress
	ISLE_STRESS_OPS=$(STRESS_FULL_OPS) $(MESON) test -C $(SANITIZE_DIR) --no-rebuild \
	  --logbase testlog-stress-full --print-errorlogs --timeout-multiplier 4 stress

# Every part runs even when one fails; the target fails if any did.
check-full:
	@$(INSTALL_DEPS) test
	@status=0; \
	$(MAKE) --no-print-directory test || status=1; \
	$(MAKE) --no-print-directory test-tsan || status=1; \
	$(MAKE) --no-print-directory test-stress-full || status=1; \
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_FULL_SECONDS) || status=1; \
	exit $$status

bench:
	@$(INSTALL_DEPS) bench
	$(call meson_setup,$(RELEASE_DIR),$(RELEASE_OPTS))
	$(NINJA) -C $(RELEASE_DIR)
	bash bench/run-all.sh $(RELEASE_DIR)

# gi-docgen's check (every symbol documented) runs as the build's test.
docs:
	@$(INSTALL_DEPS) docs
	$(call meson_setup,$(DOCS_DIR),$(DOCS_OPTS))
	$(call meson_test,$(DOCS_DIR))
	@echo "The API reference: $(CURDIR)/$(DOCS_DIR)/docs/reference/isle-1/index.html"

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(RELEASE_DIR) $(DOCS_DIR) $(TSAN_DIR) $(FUZZ_DIR)
