# Makefile: thin convenience wrapper around meson for Isle
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every target first installs from Debian's archive whatever it is missing
# (scripts/install-deps.sh), then configures and builds with meson.  meson and
# ninja remain the build system; this file only names the usual runs.
#
#   make demo    build and run the console example demo/isle-hello
#   make test    run the test suite three times: a normal build, the same
#                under Valgrind's memcheck, and a build with
#                AddressSanitizer and UndefinedBehaviorSanitizer
#   make test-tsan  build the cross-thread tests with ThreadSanitizer
#                (_build-tsan) and run them; .ci/run runs it after make test
#   make bench   run the benchmarks of bench/ from a release build
#   make clean   remove the build directories

MESON ?= meson
NINJA ?= ninja
INSTALL_DEPS := scripts/install-deps.sh

BUILD_DIR    := _build
SANITIZE_DIR := _build-sanitize
RELEASE_DIR  := _build-release
TSAN_DIR     := _build-tsan

BUILD_OPTS    :=
# b_lundef=false: some compilers (clang) link the sanitizer runtime into
# programs only, which leaves the shared library with undefined references.
SANITIZE_OPTS := -Db_sanitize=address,undefined -Db_lundef=false
RELEASE_OPTS  := --buildtype=release -Db_ndebug=true -Dtests=false
# The ThreadSanitizer build registers only the tests where threads meet
# (tests/meson.build).
TSAN_OPTS     := -Db_sanitize=thread -Db_lundef=false -Dbenchmarks=false -Ddemo=false

.PHONY: all demo test test-normal test-sanitize test-valgrind test-tsan bench clean

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

# meson_test DIR: build DIR and run its tests.  The previous test log is
# removed first so that a build that fails cannot leave a stale log behind
# for .ci/run to count.
define meson_test
	rm -f $(1)/meson-logs/testlog.json
	$(NINJA) -C $(1)
	$(MESON) test -C $(1) --print-errorlogs
endef

demo:
	@$(INSTALL_DEPS) demo
	$(call meson_setup,$(BUILD_DIR),$(BUILD_OPTS))
	$(NINJA) -C $(BUILD_DIR) demo/isle-hello
	$(BUILD_DIR)/demo/isle-hello

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
# no definite or indirect leaks.
test-valgrind:
	$(call meson_setup,$(BUILD_DIR),$(BUILD_OPTS))
	rm -f $(BUILD_DIR)/meson-logs/testlog-valgrind.json
	$(NINJA) -C $(BUILD_DIR)
	$(MESON) test -C $(BUILD_DIR) --setup valgrind --print-errorlogs

test-sanitize:
	$(call meson_setup,$(SANITIZE_DIR),$(SANITIZE_OPTS))
	$(call meson_test,$(SANITIZE_DIR))

# The examples of docs/ are built there too, but not run: they have no
# second thread.
test-tsan:
	@$(INSTALL_DEPS) test
	$(call meson_setup,$(TSAN_DIR),$(TSAN_OPTS))
	rm -f $(TSAN_DIR)/meson-logs/testlog.json
	$(NINJA) -C $(TSAN_DIR)
	$(MESON) test -C $(TSAN_DIR) --no-suite examples --print-errorlogs

bench:
	@$(INSTALL_DEPS) bench
	$(call meson_setup,$(RELEASE_DIR),$(RELEASE_OPTS))
	$(NINJA) -C $(RELEASE_DIR)
	bash bench/run-all.sh $(RELEASE_DIR)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(RELEASE_DIR) $(TSAN_DIR)
