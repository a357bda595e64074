#!/usr/bin/env python3
# check-spdx.py: every source file says its licence in an SPDX line
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: check-spdx.py SOURCE_ROOT
#
# Looks at the source files (C, C++, headers and their .in templates, Python,
# shell, linker maps, meson files) under the directories below and fails,
# naming each file, when one has no "SPDX-License-Identifier:" line among its
# first lines.  Documentation (Markdown) and data files are not looked at.
#
# Python 3 standard library only.

import os
import sys

DIRECTORIES = ['src', 'tests', 'bench', 'demo', 'docs/examples', 'scripts',
               'examples', '.ci']
TOP_LEVEL_FILES = ['meson.build', 'meson_options.txt', 'Makefile']
SOURCE_SUFFIXES = ('.c', '.h', '.cc', '.cpp', '.in', '.py', '.sh', '.map')
SOURCE_NAMES = ('meson.build', 'meson_options.txt', 'meson.options',
                'Makefile', 'run')
HEAD_LINES = 30
MARKER = 'SPDX-License-Identifier:'


def is_source(name):
    return name.endswith(SOURCE_SUFFIXES) or name in SOURCE_NAMES


def has_spdx(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        for number, line in enumerate(f):
            if number >= HEAD_LINES:
                return False
            if MARKER in line:
                return True
    return False


def source_files(root):
    for name in TOP_LEVEL_FILES:
        path = os.path.join(root, name)
        if os.path.isfile(path):
            yield path
    for directory in DIRECTORIES:
        top = os.path.join(root, directory)
        for dirpath, dirnames, filenames in os.walk(top):
            # Build directories and meson subprojects are not Isle's sources.
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith(('.', '_build', 'build'))
                                 and d != 'subprojects')
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                if is_source(name) and not os.path.islink(path):
                    yield path


def main():
    if len(sys.argv) != 2:
        print('usage: check-spdx.py SOURCE_ROOT', file=sys.stderr)
        return 2
    root = sys.argv[1]
    checked = 0
    missing = []
    for path in source_files(root):
        checked += 1
        if not has_spdx(path):
            missing.append(os.path.relpath(path, root))
    for path in missing:
        print('%s: no "%s" line in its first %d lines'
              % (path, MARKER, HEAD_LINES))
    print('%d source files, %d without an SPDX line' % (checked, len(missing)))
    return 1 if missing or checked == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
