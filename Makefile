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
#   make bench   run the benchmarks of bench/ from a release build
#   make clean   remove the build directories

MESON ?= meson
NINJA ?= ninja
INSTALL_DEPS := scripts/install-deps.sh

BUILD_DIR    := _build
SANITIZE_DIR := _build-sanitize
RELEASE_DIR  := _build-release

BUILD_OPTS    :=
# b_lundef=false: some compilers (clang) link the sanitizer runtime into
# programs only, which leaves the shared library with undefined references.
SANITIZE_OPTS := -Db_sanitize=address,undefined -Db_lundef=false
RELEASE_OPTS  := --buildtype=release -Db_ndebug=true -Dtests=false

.PHONY: all demo test test-normal test-sanitize test-valgrind bench clean

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
	  GTK_A11Y=none xvfb-run -a -s '-screen 0 1280x1024x24 -nolisten tcp' \
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
# no definite or indirect leaks. The "gtk" suite (the GTK demo's tests under
# xvfb-run) is left out: memcheck would trace xvfb-run's shell rather than
# the program, GTK with Mesa's software GL takes minutes per test under it,
# and it reports GTK's and Mesa's one-time allocations. Those tests run in
# the normal and the sanitizer builds.
test-valgrind:
	$(call meson_setup,$(BUILD_DIR),$(BUILD_OPTS))
	rm -f $(BUILD_DIR)/meson-logs/testlog-valgrind.json
	$(NINJA) -C $(BUILD_DIR)
	$(MESON) test -C $(BUILD_DIR) --setup valgrind --no-suite gtk --print-errorlogs

test-sanitize:
	$(call meson_setup,$(SANITIZE_DIR),$(SANITIZE_OPTS))
	$(call meson_test,$(SANITIZE_DIR))

bench:
	@$(INSTALL_DEPS) bench
	$(call meson_setup,$(RELEASE_DIR),$(RELEASE_OPTS))
	$(NINJA) -C $(RELEASE_DIR)
	bash bench/run-all.sh $(RELEASE_DIR)

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(RELEASE_DIR)
