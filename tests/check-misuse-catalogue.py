#!/usr/bin/env python3
# check-misuse-catalogue.py: every message Isle prints is in docs/misuse.md
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: check-misuse-catalogue.py SRC_DIR CATALOGUE
#
# Finds each g_error(), g_critical(), g_warning() and g_message() call in
# SRC_DIR/*.c, takes the start of its format string with every conversion
# (%s, %p, %" G_GUINT64_FORMAT ", ...) turned into "…", as docs/misuse.md
# writes them, and checks that the pieces between the "…" appear in the
# catalogue. Exits 1, naming each missing message, if any is absent.

import glob
import os
import re
import sys

CALL = re.compile(
    r'\bg_(error|critical|warning|message)\s*\(\s*'
    r'((?:"(?:[^"\\]|\\.)*"\s*|G_G[A-Z0-9]*_FORMAT\s*)+)')
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"|(G_G[A-Z0-9]*_FORMAT)')
CONVERSION = re.compile(r'%[-+ #0-9.*]*(?:hh|h|ll|l|z|j|t)?[diouxXeEfgGcsp]')
PREFIX = 48   # characters of each message that must be in the catalogue


def normalize(text):
    text = text.replace('()', '')
    text = re.sub(r'(?:…\s*)+', '… ', text)
    return re.sub(r'\s+', ' ', text)


def message_start(args):
    parts = []
    for literal, macro in LITERAL.findall(args):
        parts.append('lu' if macro else literal)
    text = ''.join(parts).replace('\\n', ' ').replace('\\"', '"')
    return normalize(CONVERSION.sub('…', text))[:PREFIX]


def main():
    src_dir, catalogue_path = sys.argv[1], sys.argv[2]
    with open(catalogue_path, encoding='utf-8') as catalogue:
        catalogue_text = normalize(catalogue.read().replace('`', ''))

    missing = []
    n_messages = 0
    for path in sorted(glob.glob(os.path.join(src_dir, '*.c'))):
        with open(path, encoding='utf-8') as source:
            code = source.read()
        for match in CALL.finditer(code):
            n_messages += 1
            start = message_start(match.group(2))
            pieces = [p.strip(' .,:;') for p in start.split('…')]
            # The last piece may be cut in the middle of a word.
            pieces[-1] = pieces[-1].rsplit(' ', 1)[0] if ' ' in pieces[-1] else ''
            for piece in pieces:
                if len(piece) >= 4 and piece not in catalogue_text:
                    line = code.count('\n', 0, match.start()) + 1
                    missing.append('%s:%d: g_%s "%s" (missing: "%s")'
                                   % (os.path.basename(path), line, match.group(1),
                                      start, piece))
                    break

    for entry in missing:
        print('not in the misuse catalogue: ' + entry)
    print('%d messages, %d missing from %s'
          % (n_messages, len(missing), os.path.basename(catalogue_path)))
    return 1 if missing or n_messages == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
