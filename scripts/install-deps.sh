#!/bin/bash
# install-deps.sh: install from Debian's archive what Isle needs and is missing
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: scripts/install-deps.sh build|test|demo|bench|docs|fuzz|peers
#
# Written for Debian 12 (bookworm), run as root on a machine with no display.
# It is idempotent: packages already installed are left alone, and
# `apt-get update` runs only when something is missing.  Run as another
# user it succeeds when nothing is missing and fails, naming the packages,
# otherwise.

set -euo pipefail

# What every set needs: a C toolchain, meson and GLib.  valgrind provides
# valgrind/valgrind.h, which the fiber code uses to register its stacks.
BUILD_PKGS="gcc libc6-dev make meson ninja-build pkg-config python3 libglib2.0-dev valgrind"

# The sanitizer builds link against these runtimes (libtsan2: the
# ThreadSanitizer build, make test-tsan).  gcc-12 already depends on them;
# they are named so a missing one is installed, not guessed at.
TEST_PKGS="libasan8 libubsan1 libtsan2 g++"

# The GTK 4 demo, and a headless display to run and test it on: Xvfb with
# xvfb-run (which needs xauth), Mesa's software GL so GTK can use its GL
# renderer there (without it GTK falls back to cairo), a font, and the
# validators of the desktop and AppStream files, which are tests.
GTK_DEMO_PKGS="libgtk-4-dev xvfb xauth libgl1-mesa-dri fonts-dejavu-core desktop-file-utils appstream"

# The libFuzzer harness (make fuzz) is built by clang, whose libFuzzer and
# sanitizer runtimes come in libclang-rt-14-dev.
FUZZ_PKGS="clang-14 libclang-rt-14-dev"

# The ui_frames benchmark injects real input events through the X server's
# XTEST extension.
BENCH_PKGS="$GTK_DEMO_PKGS libxtst-dev"

# The API reference: g-ir-scanner (gobject-introspection) and the GIR
# files of GLib, GObject and GIO (libgirepository1.0-dev) make Isle-1.gir,
# g-ir-compiler its typelib against GLib's (gir1.2-glib-2.0), and gi-docgen
# (which pulls in the Python modules it uses) renders the reference.
DOCS_PKGS="gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 gi-docgen"

# The gio-export suite: an example library over Isle's GTask bridge, with
# its own GIR, typelib and VAPI, called from Python (PyGObject), GJS and
# Vala (valac, with vapigen for the VAPI), besides C.
GIO_EXPORT_PKGS="gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 python3-gi gjs valac"

# The "bindings" suite and the python_yield_storm benchmark: the typelib
# (g-ir-scanner and GLib's GIRs), Debian's PyGObject for /usr/bin/python3,
# GJS, and GTK 4's typelib for the Python GTK test.
BINDINGS_PKGS="gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 python3-gi gjs gir1.2-gtk-4.0"

# The Rust peers of the cross-thread benchmarks (bench/peers/run.sh), built
# offline from the crates Debian ships under /usr/share/cargo/registry:
# Debian's cargo and rustc, Tokio (one package has every feature), glib-rs
# 0.14 (its -sys crate links the libglib2.0-dev of BUILD_PKGS) and libc.
# Nothing else depends on Rust.
PEERS_PKGS="cargo rustc librust-tokio-dev librust-glib-dev librust-libc-dev"

usage ()
{
  echo "usage: $0 build|test|demo|bench|docs|fuzz|peers" >&2
  exit 2
}

[ $# -eq 1 ] || usage

case "$1" in
  build) wanted="$BUILD_PKGS" ;;
  test)  wanted="$BUILD_PKGS $TEST_PKGS $GTK_DEMO_PKGS $GIO_EXPORT_PKGS $BINDINGS_PKGS" ;;
  demo)  wanted="$BUILD_PKGS $GTK_DEMO_PKGS" ;;
  bench) wanted="$BUILD_PKGS $BENCH_PKGS $BINDINGS_PKGS" ;;
  docs)  wanted="$BUILD_PKGS $DOCS_PKGS" ;;
  fuzz)  wanted="$BUILD_PKGS $FUZZ_PKGS" ;;
  peers) wanted="$BUILD_PKGS $PEERS_PKGS" ;;
  *)     usage ;;
esac

# dpkg-query reports "install ok installed" only for a package that is fully
# installed; removed packages with their configuration left say otherwise.
# With a foreign architecture added it prints one status per installed
# architecture, one a line.
is_installed ()
{
  dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -x "install ok installed" >/dev/null
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: dpkg-query not found; this script is for Debian 12." >&2
  exit 1
fi

missing=""
for pkg in $wanted; do
  if ! is_installed "$pkg"; then
    missing="$missing $pkg"
  fi
done
missing="${missing# }"

if [ -z "$missing" ]; then
  echo "install-deps: all packages for '$1' are installed."
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: these packages are missing: $missing" >&2
  echo "install-deps: run this script as root (or: sudo apt-get install $missing)." >&2
  exit 1
fi

echo "install-deps: installing for '$1': $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# $missing is a list of words on purpose.
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
echo "install-deps: installed: $missing"
