#!/usr/bin/env python3
# check-doc-snippets.py: the code quoted in docs/ must match the programs
# the test suite compiles and runs
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A fenced code block in a page of docs/ that follows a line
#
#   <!-- snippet: examples/when-to-use.c -->
#
# must appear, line for line, in that file (relative to docs/). Pages quote
# their examples this way so that an edit to an example cannot leave the
# page showing code that no longer compiles.
#
# Usage: check-doc-snippets.py DOCS_DIR

import pathlib
import re
import sys

MARKER = re.compile(r"^<!--\s*snippet:\s*(\S+)\s*-->\s*$")


def snippets(page):
    """Yields (line number, source path, code) for each marked block."""
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = MARKER.match(lines[i])
        i += 1
        if not match:
            continue
        if i >= len(lines) or not lines[i].startswith("```"):
            yield i, match.group(1), None
            continue
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        yield start, match.group(1), "\n".join(lines[start:end])
        i = end + 1


def main():
    if len(sys.argv) != 2:
        print("usage: check-doc-snippets.py DOCS_DIR", file=sys.stderr)
        return 2
    docs = pathlib.Path(sys.argv[1])
    checked = 0
    failures = []
    for page in sorted(docs.glob("*.md")):
        for line, source, code in snippets(page):
            where = f"{page.name}:{line}"
            if code is None:
                failures.append(f"{where}: a snippet marker must be followed by a fenced block")
                continue
            path = docs / source
            if not path.is_file():
                failures.append(f"{where}: {source} does not exist")
                continue
            if code not in path.read_text(encoding="utf-8"):
                failures.append(f"{where}: this block is not in {source} any more; "
                                f"copy it from there again")
                continue
            checked += 1
    for failure in failures:
        print(failure)
    print(f"{checked} snippets match their sources, {len(failures)} do not")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
